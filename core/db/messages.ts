/**
 * Message ids: which blocks rooms were given. The messages themselves live in their room's
 * object (durable/room/store.ts).
 */
import type { Database } from ".";
import type { RoomAddress } from "./schema";

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

/**
 * messageRoom with where the room's object lives, in the same one read; undefined also when
 * the room is deleted.
 */
export async function messageRoomAddress(db: Database, id: number): Promise<RoomAddress | undefined> {
  const row = await db.$client
    .prepare(
      `SELECT id, jurisdiction FROM rooms WHERE id = (SELECT room_id FROM message_blocks
         WHERE first_id <= ?1 AND ?1 < end_id ORDER BY first_id DESC LIMIT 1)`,
    )
    .bind(id)
    .first<RoomAddress>();
  return row ?? undefined;
}
