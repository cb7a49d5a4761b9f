/** Queries on messages. Only the room's Durable Object writes them (see durable/room.ts). */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { now, type Database } from ".";
import { messages, type MessageRow, type RoomRow } from "./schema";

/** A page of a room's history, oldest first: before an id (older pages) or after one (catch-up). */
export async function historyPage(
  db: Database,
  roomId: number,
  page: { before?: number; after?: number; limit: number },
): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  const inRoom = eq(messages.roomId, roomId);
  // One row past the limit tells whether another page exists.
  if (page.after !== undefined) {
    const rows = await db
      .select()
      .from(messages)
      .where(and(inRoom, gt(messages.id, page.after)))
      .orderBy(asc(messages.id))
      .limit(page.limit + 1);
    return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
  }
  const rows = await db
    .select()
    .from(messages)
    .where(and(inRoom, page.before === undefined ? undefined : lt(messages.id, page.before)))
    .orderBy(desc(messages.id))
    .limit(page.limit + 1);
  return { rows: rows.slice(0, page.limit).reverse(), hasMore: rows.length > page.limit };
}

export type NewMessage = { senderId: number; content: string; clientId?: string };

/**
 * Most messages one insertMessages call takes (D1 runs a batch as one transaction). Their
 * JSON stays under D1's 2 MB for a value: at most 32 × 4,000 characters, each at most 6
 * bytes escaped.
 */
export const MAX_MESSAGES_A_WRITE = 32;

/** The group of messages is one JSON array, so the statement is the same whatever its size. */
const INSERT_GROUP = `
  INSERT INTO messages (room_id, sender_id, content, created_at, client_id)
  SELECT ?1, json_extract(value, '$.sender'), json_extract(value, '$.content'), ?2, json_extract(value, '$.client')
  FROM json_each(?3) ORDER BY key
  ON CONFLICT DO NOTHING
  RETURNING id, room_id AS roomId, sender_id AS senderId, content, created_at AS createdAt,
    edited_at AS editedAt, deleted_at AS deletedAt, client_id AS clientId`;
const MAKE_LATEST = `
  UPDATE rooms SET
    last_message_id = (SELECT max(id) FROM messages WHERE room_id = ?1),
    last_message_at = (SELECT created_at FROM messages WHERE room_id = ?1 ORDER BY id DESC LIMIT 1)
  WHERE id = ?1`;

/**
 * Stores a room's messages in the order given and makes the last its room's latest, in one
 * transaction and one round trip: the room's object stores whatever arrived while its
 * previous write was in flight together (group commit). A message whose client id its
 * sender already used in this room is not stored again: the one stored the first time
 * comes back, with `stored: false` (a second round trip, taken only by retries).
 *
 * This is every message's hot path, so it is two fixed statements on the binding itself,
 * whatever the group's size: the group goes in as one JSON parameter. Building one Drizzle
 * insert per message from the table's objects was about 40% of a busy room's CPU.
 */
export async function insertMessages(
  db: Database,
  roomId: number,
  inputs: NewMessage[],
): Promise<{ row: MessageRow; stored: boolean }[]> {
  if (inputs.length === 0) return [];
  // A lone surrogate cannot go through SQLite's JSON as it can as a bound string: it is
  // made U+FFFD here, as encoding a bound string to UTF-8 would make it.
  const group = JSON.stringify(
    inputs.map((input) => ({ sender: input.senderId, content: input.content.toWellFormed(), client: input.clientId ?? null })),
  );
  const d1 = db.$client;
  const [inserted] = await d1.batch<MessageRow>([
    d1.prepare(INSERT_GROUP).bind(roomId, now(), group),
    // Read back from the table rather than taken from the inserts, which a retry skips.
    d1.prepare(MAKE_LATEST).bind(roomId),
  ]);
  // By id, the inserted rows are in the group's order. A skipped retry has no row, and no
  // later message of the group can have its sender and client id (it too would have been
  // skipped), so rows pair with inputs in one pass.
  const rows = inserted.results.sort((a, b) => a.id - b.id);
  let next = 0;
  return Promise.all(
    inputs.map(async (input) => {
      const row = rows[next];
      if (row && row.senderId === input.senderId && row.clientId === (input.clientId ?? null)) {
        next += 1;
        return { row, stored: true };
      }
      const earlier = await db
        .select()
        .from(messages)
        .where(and(eq(messages.roomId, roomId), eq(messages.senderId, input.senderId), eq(messages.clientId, input.clientId!)))
        .get();
      return { row: earlier!, stored: false };
    }),
  );
}

/** The latest message of each of these rooms, by room id, in one query. */
export async function latestMessagesOf(db: Database, roomRows: RoomRow[]): Promise<Map<number, MessageRow>> {
  const ids = roomRows.flatMap((room) => (room.lastMessageId === null ? [] : [room.lastMessageId]));
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(messages)
    .where(sql`${messages.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  return new Map(rows.map((row) => [row.roomId, row]));
}

export async function findMessage(db: Database, id: number): Promise<MessageRow | undefined> {
  return db.select().from(messages).where(eq(messages.id, id)).get();
}

/**
 * Changes a message's text, or blanks it when deleted: the text is gone, the place in
 * history stays.
 */
export async function rewriteMessage(
  db: Database,
  id: number,
  change: { content: string; editedAt?: string; deletedAt?: string },
): Promise<MessageRow> {
  const [row] = await db.update(messages).set(change).where(eq(messages.id, id)).returning();
  return row;
}

/** The newest message id of a room, 0 for an empty room. */
export async function latestMessageId(db: Database, roomId: number): Promise<number> {
  const row = await db
    .select({ id: sql<number>`coalesce(max(${messages.id}), 0)` })
    .from(messages)
    .where(eq(messages.roomId, roomId))
    .get();
  return row?.id ?? 0;
}

/**
 * Unread messages per room for one user: others' messages after their read position,
 * deleted ones not counted. One indexed range count per room the user is in.
 */
export async function unreadCounts(db: Database, userId: number, roomId?: number): Promise<Record<string, number>> {
  const rows = await db.all<{ room_id: number; unread: number }>(sql`
    SELECT rm.room_id, (
      SELECT count(*) FROM messages m
      WHERE m.room_id = rm.room_id AND m.id > rm.last_read_id AND m.sender_id <> rm.user_id AND m.deleted_at IS NULL
    ) AS unread
    FROM room_members rm
    WHERE rm.user_id = ${userId} ${roomId === undefined ? sql`` : sql`AND rm.room_id = ${roomId}`}`);
  return Object.fromEntries(rows.map((row) => [String(row.room_id), row.unread]));
}
