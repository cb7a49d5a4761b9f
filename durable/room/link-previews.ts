/**
 * Link previews: after a message with http(s) links is stored (or edited), the room fetches
 * the first few pages beside the message path (ctx.waitUntil, each fetch bounded by
 * page-preview.ts), keeps what they say of themselves, and shows it as a `message_edited`
 * of the message that leaves `edited_at` alone: a preview is not its author's edit.
 * LINK_PREVIEWS = "off" turns them off.
 */
import { AttachmentLinks } from "../../core/attachments";
import type { MessageRow } from "../../core/history";
import type { LinkPreview, WireMessage } from "../../core/protocol";
import { toMessage } from "../../core/shapes";
import { fetchPreview } from "./page-preview";
import type { MessageStore } from "./store";

/** At most this many links of a message get a preview. */
export const MAX_PREVIEWS = 3;

const ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}*_~]+$/;

/** The distinct http(s) links of a text, in order, at most MAX_PREVIEWS. */
export function linksIn(content: string): string[] {
  const links = new Set<string>();
  for (const [address] of content.matchAll(ADDRESS)) {
    const link = address.replace(TRAILING, "");
    if (URL.canParse(link)) links.add(link);
    if (links.size === MAX_PREVIEWS) break;
  }
  return [...links];
}

/** The settings previews read: LINK_PREVIEWS from wrangler.toml, and the tests' loopback allowance. */
type PreviewSettings = { LINK_PREVIEWS?: string; PREVIEW_ALLOW_LOOPBACK?: string; JWT_SECRET: string };

export class LinkPreviews {
  constructor(
    private readonly settings: () => PreviewSettings,
    private readonly store: MessageStore,
    private readonly waitUntil: (work: Promise<unknown>) => void,
    /** Shows the previewed message in the room and the participants' inboxes. */
    private readonly previewed: (message: WireMessage) => void,
    /** The row as the room shows it (with its reactions). */
    private readonly shown: (row: MessageRow) => MessageRow,
  ) {}

  /** Starts previewing a stored or edited message's links, if it has any and previews are on. */
  look(message: Pick<WireMessage, "id" | "content" | "deleted">) {
    const settings = this.settings();
    if (settings.LINK_PREVIEWS === "off" || message.deleted) return;
    const links = linksIn(message.content);
    if (links.length) this.waitUntil(this.#preview(message.id, message.content, links, settings));
  }

  async #preview(id: number, content: string, links: string[], settings: PreviewSettings) {
    const allowLoopback = settings.PREVIEW_ALLOW_LOOPBACK === "yes";
    const found = await Promise.all(links.map((link) => fetchPreview(link, { allowLoopback })));
    const previews = found.filter((preview): preview is LinkPreview => preview !== null);
    if (!previews.length) return;
    const row = this.store.preview(id, content, previews);
    if (row) this.previewed(toMessage(this.shown(row), new AttachmentLinks(this.settings().JWT_SECRET)));
  }
}
