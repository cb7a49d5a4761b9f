/**
 * Link previews: after a message with http(s) links is stored (or edited), the room fetches
 * the first few pages beside the message path (ctx.waitUntil, each fetch bounded by
 * page-preview.ts), keeps what they say of themselves, and shows it as a `message_edited`
 * of the message that leaves `edited_at` alone: a preview is not its author's edit. A page's
 * picture is fetched through the same guard and kept in R2 as one of the room's files, shown
 * by a signed link like an attachment's, so readers never load it from the page's site.
 * LINK_PREVIEWS = "off" turns them off.
 */
import { AttachmentLinks, attachmentKey } from "../../core/attachments";
import type { MessageRow, StoredPreview } from "../../core/history";
import type { WireMessage } from "../../core/protocol";
import { toMessage } from "../../core/shapes";
import type { RoomContext } from "./context";
import { type FoundPreview, fetchImage, fetchPreview } from "./page-preview";
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

/** What a page's picture is called when served. */
const IMAGE_NAME = "preview";

/** The ids of the files a message's previews keep (their pictures). */
export const previewImages = (row: Pick<MessageRow, "previews"> | undefined) =>
  (row?.previews ?? []).flatMap((preview) => (preview.image ? [preview.image.id] : []));

export class LinkPreviews {
  constructor(
    /** LINK_PREVIEWS from wrangler.toml, the tests' PREVIEW_ALLOW_LOOPBACK, and where pictures are kept. */
    private readonly room: RoomContext,
    private readonly store: MessageStore,
    private readonly waitUntil: (work: Promise<unknown>) => void,
    /** Shows the previewed message in the room and the participants' inboxes. */
    private readonly previewed: (message: WireMessage) => void,
    /** The row as the room shows it (with its reactions). */
    private readonly shown: (row: MessageRow) => MessageRow,
  ) {}

  /** Starts previewing a stored or edited message's links, if it has any and previews are on. */
  look(message: Pick<WireMessage, "id" | "content" | "deleted">) {
    if (this.room.env.LINK_PREVIEWS === "off" || message.deleted) return;
    const links = linksIn(message.content);
    if (links.length) this.waitUntil(this.#preview(message.id, message.content, links));
  }

  async #preview(id: number, content: string, links: string[]) {
    // Set by the tests' config only: wrangler.toml never has it.
    const allowLoopback = (this.room.env as { PREVIEW_ALLOW_LOOPBACK?: string }).PREVIEW_ALLOW_LOOPBACK === "yes";
    const found = await Promise.all(
      links.map(async (link) => {
        const page = await fetchPreview(link, { allowLoopback });
        return page && this.#kept(page, allowLoopback);
      }),
    );
    const previews = found.filter((preview): preview is StoredPreview => preview !== null);
    if (!previews.length) return;
    const row = this.store.preview(id, content, previews);
    if (row) this.previewed(toMessage(this.shown(row), new AttachmentLinks(this.room.env.JWT_SECRET)));
    // Edited or deleted meanwhile: the pictures fetched for the old text go.
    else await this.remove(previewImages({ previews }));
  }

  /** A page's preview as the room keeps it: its picture fetched through the guard and put in R2, when it has one that passes. */
  async #kept({ image_source, image_url: _, ...page }: FoundPreview, allowLoopback: boolean): Promise<StoredPreview> {
    if (!image_source) return page;
    const image = await fetchImage(image_source, { allowLoopback });
    if (!image) return page;
    const id = crypto.randomUUID().replaceAll("-", "");
    const name = `${IMAGE_NAME}.${image.content_type.slice("image/".length)}`;
    try {
      await this.room.env.AVATARS.put(attachmentKey(this.room.roomId, id), image.bytes, {
        httpMetadata: { contentType: image.content_type },
        customMetadata: { name },
      });
    } catch (err) {
      console.warn("a preview's picture was not kept", err);
      return page;
    }
    const { content_type, width, height } = image;
    return { ...page, image: { id, name, size: image.bytes.byteLength, content_type, width, height } };
  }

  /** Removes pictures of previews no message shows any more; a failure leaves them until the room is deleted. */
  async remove(ids: string[]) {
    if (!ids.length) return;
    const keys = ids.map((id) => attachmentKey(this.room.roomId, id));
    await this.room.env.AVATARS.delete(keys).catch((err) => console.warn("pictures of old previews not removed", err));
  }
}
