/** A room's history as its object keeps it, and the pages the API serves of it. */
import type { StoredAttachment } from "./attachments";

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
  /** Absent when none. */
  attachments?: StoredAttachment[];
};

/** A message as a room's store row holds it, in its column names: what moves, imports and exports carry. */
export type StoredMessage = {
  id: number;
  sender_id: number;
  client_id: string | null;
  created_at: string;
  content: string;
  edited_at: string | null;
  deleted_at: string | null;
};

export type HistoryQuery = { before?: number; after?: number; limit: number };

/**
 * A page, oldest first, of rows read nearest the page's starting point first (ascending
 * after an id, descending otherwise), one past the limit telling whether another page exists.
 */
export function pageOf(rows: MessageRow[], page: HistoryQuery): { rows: MessageRow[]; hasMore: boolean } {
  const taken = rows.slice(0, page.limit);
  return { rows: page.after !== undefined ? taken : taken.reverse(), hasMore: rows.length > page.limit };
}
