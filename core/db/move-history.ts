/**
 * D1's history as installations from before the rooms kept their own hold it (the `messages`
 * table and `room_members.last_read_id`), read and removed by the one-time move into the
 * rooms (worker/history/move.ts). Raw SQL: neither is in schema.ts any more, and once the
 * migration that drops them has run there is nothing here to read.
 *
 * A message leaves D1 only once its room holds it, and its id keeps finding its room: ids
 * that no block covers (put in before blocks were recorded, or by an import) get blocks.
 */
import type { StoredMessage } from "../history";
import type { Database } from ".";

/** A message as D1's row has it, in the room store's column names. */
export type D1Message = StoredMessage;

/** A message to move, with what the blocks it needs depend on. */
export type MessageToMove = D1Message & {
  /** Whether a block of ids covers it already. */
  blocked: boolean;
  /** The next message id in D1 (of any room) above it, and the first id of the next block above it. */
  next_message: number | null;
  next_block: number | null;
};

export type MessageBlock = { firstId: number; endId: number };
export type ReadToMove = { user_id: number; last_read_id: number };

/** Whether D1 still has a history to move: false once the migration that drops it has run. */
export async function hasD1History(db: Database): Promise<boolean> {
  const row = await db.$client
    .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'messages'")
    .first<{ found: number }>();
  return row !== null;
}

/** The oldest `limit` messages of the lowest room that still has messages in D1, if any. */
export async function nextMessagesToMove(
  db: Database,
  limit: number,
): Promise<{ roomId: number; messages: MessageToMove[] } | undefined> {
  const room = await db.$client.prepare("SELECT min(room_id) AS id FROM messages").first<{ id: number | null }>();
  if (room?.id == null) return undefined;
  const { results } = await db.$client
    .prepare(
      `SELECT m.id, m.sender_id, m.client_id, m.created_at, m.content, m.edited_at, m.deleted_at,
         coalesce((SELECT end_id FROM message_blocks WHERE first_id <= m.id ORDER BY first_id DESC LIMIT 1), 0) > m.id AS blocked,
         (SELECT min(id) FROM messages WHERE id > m.id) AS next_message,
         (SELECT min(first_id) FROM message_blocks WHERE first_id > m.id) AS next_block
       FROM messages m WHERE m.room_id = ?1 ORDER BY m.id LIMIT ?2`,
    )
    .bind(room.id, limit)
    .all<Omit<MessageToMove, "blocked"> & { blocked: number }>();
  return { roomId: room.id, messages: results.map((row) => ({ ...row, blocked: row.blocked === 1 })) };
}

/**
 * The blocks that make every unblocked message of the batch (one room's, in id order) find
 * its room: one block per run of them that no other room's message or block interrupts,
 * from its first id to just past its last. Ids between two messages of a run belong to no
 * message, so the block covering them misleads nobody.
 */
export function blocksFor(messages: MessageToMove[]): MessageBlock[] {
  const blocks: MessageBlock[] = [];
  let run: MessageBlock | undefined;
  messages.forEach((message, i) => {
    if (message.blocked) return;
    if (run) run.endId = message.id + 1;
    else {
      run = { firstId: message.id, endId: message.id + 1 };
      blocks.push(run);
    }
    const next = messages[i + 1];
    const goesOn =
      next !== undefined &&
      !next.blocked &&
      (message.next_message ?? Number.POSITIVE_INFINITY) >= next.id &&
      (message.next_block ?? Number.POSITIVE_INFINITY) >= next.id;
    if (!goesOn) run = undefined;
  });
  return blocks;
}

/** Records the batch's blocks and takes its messages out of D1, in one transaction. */
export async function finishMovingMessages(
  db: Database,
  roomId: number,
  blocks: MessageBlock[],
  ids: number[],
): Promise<void> {
  const d1 = db.$client;
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO message_blocks (first_id, end_id, room_id)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2 FROM json_each(?1)`,
      )
      .bind(JSON.stringify(blocks.map((block) => [block.firstId, block.endId])), roomId),
    d1
      .prepare("DELETE FROM messages WHERE room_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
      .bind(roomId, JSON.stringify(ids)),
  ]);
}

/** Whether D1 holds any message of the room. */
export async function roomHasD1Messages(db: Database, roomId: number): Promise<boolean> {
  const row = await db.$client
    .prepare("SELECT 1 AS found FROM messages WHERE room_id = ? LIMIT 1")
    .bind(roomId)
    .first();
  return row !== null;
}

/** Up to `limit` read positions still in D1 of the lowest room from `fromRoom` on that has any. */
export async function nextReadsToMove(
  db: Database,
  fromRoom: number,
  limit: number,
): Promise<{ roomId: number; reads: ReadToMove[] } | undefined> {
  const { results } = await db.$client
    .prepare(
      `SELECT room_id, user_id, last_read_id FROM room_members
       WHERE room_id >= ?1 AND last_read_id > 0 ORDER BY room_id, user_id LIMIT ?2`,
    )
    .bind(fromRoom, limit)
    .all<ReadToMove & { room_id: number }>();
  if (results.length === 0) return undefined;
  const roomId = results[0].room_id;
  const reads = results
    .filter((row) => row.room_id === roomId)
    .map(({ user_id, last_read_id }) => ({ user_id, last_read_id }));
  return { roomId, reads };
}

/** The room holds these read positions: D1 forgets them, unless one moved on meanwhile. */
export async function finishMovingReads(db: Database, roomId: number, reads: ReadToMove[]): Promise<void> {
  await db.$client
    .prepare(
      `UPDATE room_members SET last_read_id = 0 WHERE room_id = ?1 AND EXISTS (
         SELECT 1 FROM json_each(?2) WHERE json_extract(value, '$[0]') = user_id AND json_extract(value, '$[1]') >= last_read_id)`,
    )
    .bind(roomId, JSON.stringify(reads.map((read) => [read.user_id, read.last_read_id])))
    .run();
}
