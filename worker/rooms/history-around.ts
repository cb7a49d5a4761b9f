/**
 * A page of a room's history centred on one message, for links to a message. It is made of
 * two of the room object's own history pages (up to the message, and after it), with the
 * timeline notes within it.
 */

import { notFound } from "../../core/errors";
import type { HistoryQuery, MessageRow } from "../../core/history";
import type { RoomNote } from "../../core/protocol";

type RoomHistory = {
  history(
    page: HistoryQuery,
    options: { notes: true },
  ): Promise<{ rows: MessageRow[]; hasMore: boolean; notes?: RoomNote[] }>;
  threadRootOf(id: number): Promise<number | undefined>;
};

export type AroundPage = {
  /** Oldest first: about half the limit before the message, the message, the rest after it. */
  rows: MessageRow[];
  /** Older messages than the first row exist. */
  hasMore: boolean;
  /** Newer messages than the last row exist. */
  hasNewer: boolean;
  /** The message is a thread reply: the page is around this, its root, in the main timeline. */
  threadRoot?: number;
  /** The timeline notes within the page, oldest first. */
  notes: RoomNote[];
};

/**
 * Up to `limit` messages around `messageId`, read through the room's object; for a thread
 * reply (never in the main timeline), around its root. A message that is not in this room
 * (another room's, or an id never given) is a 404.
 */
export async function historyAround(room: RoomHistory, messageId: number, limit: number): Promise<AroundPage> {
  const root = await room.threadRootOf(messageId);
  if (root !== undefined) return { ...(await aroundInTimeline(room, root, limit)), threadRoot: root };
  return aroundInTimeline(room, messageId, limit);
}

async function aroundInTimeline(room: RoomHistory, messageId: number, limit: number): Promise<AroundPage> {
  const before = Math.floor((limit - 1) / 2);
  const after = limit - 1 - before;
  // `before` is exclusive: one past the message ends the older page with the message itself.
  // The newer page asks for at least one row, which also tells whether newer ones exist.
  const [older, newer] = await Promise.all([
    room.history({ before: messageId + 1, limit: before + 1 }, { notes: true }),
    room.history({ after: messageId, limit: Math.max(after, 1) }, { notes: true }),
  ]);
  if (older.rows.at(-1)?.id !== messageId) throw notFound("No such message in this room.");
  const rows = [...older.rows, ...newer.rows.slice(0, after)];
  const hasNewer = newer.hasMore || newer.rows.length > after;
  // Both halves have the notes just after the message; with newer messages below the page,
  // the ones after its last row are the next page's.
  const end = hasNewer ? rows.at(-1)!.id : Number.POSITIVE_INFINITY;
  const notes = new Map([...(older.notes ?? []), ...(newer.notes ?? [])].map((note) => [note.id, note]));
  return {
    rows,
    hasMore: older.hasMore,
    hasNewer,
    notes: [...notes.values()].filter((note) => note.after < end).sort((a, b) => a.after - b.after || a.id - b.id),
  };
}
