/** Read positions: how far each participant has read in a room. */
import { and, eq, lt } from "drizzle-orm";
import type { Database } from ".";
import { roomMembers } from "./schema";

/** Every participant's read position in a room, by user id. */
export async function readPositions(db: Database, roomId: number): Promise<Record<string, number>> {
  const rows = await db
    .select({ userId: roomMembers.userId, lastReadId: roomMembers.lastReadId })
    .from(roomMembers)
    .where(eq(roomMembers.roomId, roomId));
  return Object.fromEntries(rows.map((row) => [String(row.userId), row.lastReadId]));
}

/** Moves a read position forward only; reading an older message never un-reads newer ones. */
export async function markRead(db: Database, roomId: number, userId: number, upTo: number): Promise<boolean> {
  const moved = await db
    .update(roomMembers)
    .set({ lastReadId: upTo })
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), lt(roomMembers.lastReadId, upTo)))
    .returning({ userId: roomMembers.userId });
  return moved.length > 0;
}
