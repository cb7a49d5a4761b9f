/** A room's history as its object keeps it, and the pages the API serves of it. */
import type { StoredAttachment } from "./attachments";
import type { LinkPreview } from "./protocol";

/**
 * A link preview as the room keeps it: its picture, when the page named one that passed the
 * guard, is one of the room's files (linked afresh in every answer, like an attachment).
 */
export type StoredPreview = Omit<LinkPreview, "image_url" | "image_width" | "image_height"> & {
  image?: StoredAttachment;
};

/** A message as its room's store holds it. */
export type MessageRow = {
  id: number;
  roomId: number;
  senderId: number;
  content: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  clientId: string | null;
  /** The members it mentions; absent when none. */
  mentions?: number[];
  /** Previews of its links; absent when none. */
  previews?: StoredPreview[];
  /** Its reactions, in order of first use, each with who reacted in the order they did; absent when none. */
  reactions?: ReactionTally[];
  /** The message it quotes, as it reads now; absent when none. */
  replyTo?: Quote;
  /** The root of the thread it replies in; absent when it is not a thread reply. */
  threadRoot?: number;
  /** A thread root's replies, as they stand; absent when it has none. */
  thread?: ThreadSummary;
  /** Its files; absent when none. */
  attachments?: StoredAttachment[];
  /** Deleted by a superuser, not its sender; absent otherwise. */
  removedByAdmin?: true;
};

/** A quoted message: its author and the start of its text ("" once it is deleted). */
export type Quote = { id: number; sender: number; excerpt: string; deleted: boolean };
/** A thread root's replies that are not deleted: how many, the latest's time, and who wrote them (first reply first). */
export type ThreadSummary = { reply_count: number; last_reply_at: string; participants: number[] };
export type ReactionTally = { emoji: string; users: number[] };

/** A message as a room's store row holds it, in its column names: what moves, imports and exports carry. */
export type StoredMessage = {
  id: number;
  sender_id: number;
  client_id: string | null;
  created_at: string;
  content: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** The members it mentions; absent when none. */
  mentions?: number[];
  /** The message it quotes; absent when none. */
  reply_to?: number;
  /** The root of the thread it replies in; absent on the main timeline. */
  thread_root?: number;
  /** Its reactions, each with who reacted in the order they did; absent when none. */
  reactions?: ReactionTally[];
};

/** `thread`: the replies in that root's thread rather than the room's main timeline. */
export type HistoryQuery = { before?: number; after?: number; limit: number; thread?: number };

/**
 * A page, oldest first, of rows read nearest the page's starting point first (ascending
 * after an id, descending otherwise), one past the limit telling whether another page exists.
 */
export function pageOf<Row>(rows: Row[], page: HistoryQuery): { rows: Row[]; hasMore: boolean } {
  const taken = rows.slice(0, page.limit);
  return { rows: page.after !== undefined ? taken : taken.reverse(), hasMore: rows.length > page.limit };
}
