/** Queries on messages. Only the room's Durable Object writes them (see durable/room/). */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import type { Database } from ".";
import { type MessageRow, messages, type RoomRow } from "./schema";

export type HistoryQuery = { before?: number; after?: number; limit: number };

/**
 * Up to one row past a page of a room's history, nearest the page's starting point first:
 * ascending after an id (catch-up), descending otherwise. pageOf makes the page of them.
 */
export async function historyRows(db: Database, roomId: number, page: HistoryQuery): Promise<MessageRow[]> {
  const inRoom = eq(messages.roomId, roomId);
  if (page.after !== undefined) {
    return db
      .select()
      .from(messages)
      .where(and(inRoom, gt(messages.id, page.after)))
      .orderBy(asc(messages.id))
      .limit(page.limit + 1);
  }
  return db
    .select()
    .from(messages)
    .where(and(inRoom, page.before === undefined ? undefined : lt(messages.id, page.before)))
    .orderBy(desc(messages.id))
    .limit(page.limit + 1);
}

/**
 * A page, oldest first, of rows from one or more reads of historyRows' kind: the first of
 * two rows with one id wins, and one row past the limit tells whether another page exists.
 */
export function pageOf(rows: MessageRow[], page: HistoryQuery): { rows: MessageRow[]; hasMore: boolean } {
  const byId = new Map<number, MessageRow>();
  for (const row of rows) if (!byId.has(row.id)) byId.set(row.id, row);
  const nearestFirst = [...byId.values()].sort((a, b) => (page.after !== undefined ? a.id - b.id : b.id - a.id));
  const taken = nearestFirst.slice(0, page.limit);
  return { rows: page.after !== undefined ? taken : taken.reverse(), hasMore: nearestFirst.length > page.limit };
}

/**
 * Takes `count` message ids no one else has or will have, for `roomId`, and answers the
 * first of them: one statement, which records the block with its room (messageRoom finds a
 * message by it). A block starts past every block before it and past the mark of the blocks
 * handed out before they were recorded (message_ids). Every message id lies in a block or
 * under that mark: imports and the move of D1's history record blocks for theirs, and
 * migration 0004 put the mark past every id D1's messages table held.
 */
export async function reserveMessageIds(db: Database, count: number, roomId: number): Promise<number> {
  const row = await db.$client
    .prepare(
      `INSERT INTO message_blocks (first_id, end_id, room_id)
       SELECT first, first + ?1, ?2 FROM (SELECT max(
         (SELECT coalesce(max(end_id), 1) FROM message_blocks),
         (SELECT coalesce(max(next), 1) FROM message_ids)) AS first)
       RETURNING first_id AS first`,
    )
    .bind(count, roomId)
    .first<{ first: number }>();
  return row!.first;
}

/** The room a message id belongs to, by its block: one indexed read; undefined for an id no room was given. */
export async function messageRoom(db: Database, id: number): Promise<number | undefined> {
  const row = await db.$client
    .prepare("SELECT room_id FROM message_blocks WHERE first_id <= ?1 AND ?1 < end_id ORDER BY first_id DESC LIMIT 1")
    .bind(id)
    .first<{ room_id: number }>();
  return row?.room_id;
}

/** A message as its room's object takes it, numbered, before D1 has it. */
export type TakenMessage = Pick<MessageRow, "id" | "senderId" | "content" | "createdAt" | "clientId">;

/**
 * Most messages one statement copies: their JSON stays under D1's 2 MB for a value, at
 * most 32 × 4,000 characters, each at most 6 bytes escaped.
 */
const MESSAGES_A_STATEMENT = 32;
/** Most messages one copyMessages call takes: one D1 batch, which D1 runs as one transaction. */
export const MAX_MESSAGES_A_COPY = 8 * MESSAGES_A_STATEMENT;

/**
 * The messages go in as one JSON array, so the statement is the same whatever their number:
 * building one Drizzle insert per message was about 40% of a busy room's CPU. A room that
 * has been deleted takes none; a message already copied (the copy was repeated after the
 * object stopped half-way) is left as it is.
 */
const COPY_GROUP = `
  INSERT INTO messages (id, room_id, sender_id, content, created_at, client_id)
  SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.sender'), json_extract(value, '$.content'),
    json_extract(value, '$.at'), json_extract(value, '$.client')
  FROM json_each(?2)
  WHERE EXISTS (SELECT 1 FROM rooms WHERE id = ?1)
  ON CONFLICT DO NOTHING`;
const MAKE_LATEST = `
  UPDATE rooms SET
    last_message_id = (SELECT max(id) FROM messages WHERE room_id = ?1),
    last_message_at = (SELECT created_at FROM messages WHERE room_id = ?1 ORDER BY id DESC LIMIT 1)
  WHERE id = ?1`;

/**
 * Copies a room's numbered messages into D1 and makes the newest its room's latest, in
 * one transaction and one round trip. Only the room's object (and seeds of tests and the
 * bench, with ids from reserveMessageIds) write messages, so this is where they come in.
 */
export async function copyMessages(db: Database, roomId: number, taken: TakenMessage[]): Promise<void> {
  if (taken.length === 0) return;
  if (taken.length > MAX_MESSAGES_A_COPY) throw new RangeError(`At most ${MAX_MESSAGES_A_COPY} messages a copy.`);
  const d1 = db.$client;
  const statements: D1PreparedStatement[] = [];
  for (let start = 0; start < taken.length; start += MESSAGES_A_STATEMENT) {
    // A lone surrogate cannot go through SQLite's JSON as it can as a bound string: it is
    // made U+FFFD here, as encoding a bound string to UTF-8 would make it.
    const group = taken.slice(start, start + MESSAGES_A_STATEMENT).map((message) => ({
      id: message.id,
      sender: message.senderId,
      content: message.content.toWellFormed(),
      at: message.createdAt,
      client: message.clientId,
    }));
    statements.push(d1.prepare(COPY_GROUP).bind(roomId, JSON.stringify(group)));
  }
  await d1.batch([...statements, d1.prepare(MAKE_LATEST).bind(roomId)]);
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
