/**
 * One step of the move of D1's history into the rooms (`npm run manage -- move-history`): a
 * batch of one room's messages, or one room's read positions, each taken out of D1 only once
 * the room answers that it holds them. Every step stands alone, so the move can stop anywhere
 * and start again, and a second move finds nothing to do.
 */
import { database } from "../../core/db";
import {
  blocksFor,
  finishMovingMessages,
  finishMovingReads,
  hasD1History,
  nextMessagesToMove,
  nextReadsToMove,
  roomHasD1Messages,
} from "../../core/db/move-history";
import { roomAddress } from "../../core/db/rooms";
import { ApiError } from "../../core/errors";
import { roomObject } from "../../durable/room";

export type MoveStep =
  /** Messages of a room moved, lowest ids first; `room_done` once D1 has none of the room's left. */
  | { step: "messages"; room: number; moved: number; first_id: number; last_id: number; room_done: boolean }
  /** Read positions of a room moved; the next step's `reads_from` is this room. */
  | { step: "reads"; room: number; moved: number }
  | { step: "done" };

/** Messages first, room by room, then read positions from room `readsFrom` on. */
export async function moveNextBatch(
  env: Env,
  { limit, readsFrom }: { limit: number; readsFrom: number },
): Promise<MoveStep> {
  const db = database(env);
  if (!(await hasD1History(db))) return { step: "done" };
  const batch = await nextMessagesToMove(db, limit);
  if (batch) {
    const { roomId, messages } = batch;
    const rows = messages.map(({ blocked, next_message, next_block, ...row }) => row);
    const { held } = await roomObject(env, await roomAddress(db, roomId)).importMessages({ messages: rows, reads: [] });
    if (held !== rows.length) {
      throw new ApiError(
        409,
        `Room ${roomId} holds ${held} of the ${rows.length} messages sent to it; D1 keeps them all.`,
        "conflict",
      );
    }
    const ids = rows.map((row) => row.id);
    await finishMovingMessages(db, roomId, blocksFor(messages), ids);
    const room_done = !(await roomHasD1Messages(db, roomId));
    return { step: "messages", room: roomId, moved: ids.length, first_id: ids[0], last_id: ids.at(-1)!, room_done };
  }
  const reads = await nextReadsToMove(db, readsFrom, limit);
  if (!reads) return { step: "done" };
  await roomObject(env, await roomAddress(db, reads.roomId)).importMessages({ messages: [], reads: reads.reads });
  await finishMovingReads(db, reads.roomId, reads.reads);
  return { step: "reads", room: reads.roomId, moved: reads.reads.length };
}
