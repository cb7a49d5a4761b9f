/**
 * The wire protocol's constants (see protocol.ts, which re-exports them): kept apart from
 * the zod schemas so the web client can import them without shipping zod to the browser.
 */
export const SUBPROTOCOL = "condor.v1";
export const BEARER_PREFIX = "bearer.";
/** Longest message, in characters. */
export const MAX_MESSAGE_LENGTH = 4000;
/** Longest frame a client may send, in characters; longer ones get an error frame. */
export const MAX_FRAME_LENGTH = 16 * 1024;
/** Most files one message carries. */
export const MAX_ATTACHMENTS = 10;
/** Largest file an upload may be unless the ATTACHMENT_MAX_BYTES setting says otherwise. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;
/** Sends per person per room: a burst, then a steady rate; past it, `throttled`. */
export const SEND_BURST = 10;
export const SEND_PER_SECOND = 2;
/** How long a "typing" lasts unless renewed. */
export const TYPING_LASTS_MS = 5000;
/** What a client sends to keep its socket alive; the runtime answers without waking the room. */
export const PING = '{"type":"ping"}';
export const PONG = '{"type":"pong"}';
/**
 * How a search result's `highlight` marks a match: these two private-use characters around
 * it, which no message can hold (search takes them out of the text it indexes). A client
 * shows the text between them as a match, as text, never as markup.
 */
export const MATCH_START = "\uE000";
export const MATCH_END = "\uE001";
/** The reactions a message's picker offers first; any other single emoji may be used too. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅"] as const;
/** Most different emoji one message may carry; past it, a new one is refused. */
export const MAX_REACTIONS_PER_MESSAGE = 50;
/** A member's notification levels in a room (core/notify.ts has the rules that use them). */
/** Longest status text, after trimming (Slack's own limit). */
export const MAX_STATUS_TEXT = 100;

export const NOTIFY_LEVELS = ["everything", "mentions", "nothing"] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];
/** The level of a member who never chose one: a DM is one person talking to you, a group is many. */
export const notifyLevel = (chosen: NotifyLevel | null, isGroup: boolean): NotifyLevel =>
  chosen ?? (isGroup ? "mentions" : "everything");
/** Where a room's object may be pinned: Cloudflare's Durable Object jurisdictions (the ROOM_JURISDICTIONS setting allows some). */
export const JURISDICTIONS = ["eu", "fedramp"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];
/** What the audit list records: a superuser removing someone's message, an account deactivated. */
export const AUDIT_ACTIONS = ["message_removed", "user_deactivated"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

type HeardMessage = { sender: number; deleted: boolean; mentions?: number[] };

export function mentions(message: HeardMessage, userId: number): boolean {
  return message.mentions?.includes(userId) ?? false;
}

/** Whether this member wants to hear of this message at their level (senders never do). */
export function wantsToHear(level: NotifyLevel, message: HeardMessage, userId: number): boolean {
  if (message.sender === userId || message.deleted) return false;
  return level === "everything" || (level === "mentions" && mentions(message, userId));
}
