/** Queries on messages. Only the room's Durable Object writes them (see durable/room.ts). */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { now, type Database } from ".";
import { messages, rooms, type MessageRow } from "./schema";

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

export async function findSentMessage(
  db: Database,
  roomId: number,
  senderId: number,
  clientId: string,
): Promise<MessageRow | undefined> {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.roomId, roomId), eq(messages.senderId, senderId), eq(messages.clientId, clientId)))
    .get();
}

/** Stores a message and makes it its room's latest, in one transaction. */
export async function insertMessage(
  db: Database,
  input: { roomId: number; senderId: number; content: string; clientId?: string },
): Promise<MessageRow> {
  const [[row]] = await db.batch([
    db
      .insert(messages)
      .values({ roomId: input.roomId, senderId: input.senderId, content: input.content, createdAt: now(), clientId: input.clientId })
      .returning(),
    db
      .update(rooms)
      .set({
        lastMessageId: sql`(SELECT max(id) FROM messages WHERE room_id = ${input.roomId})`,
        lastMessageAt: sql`(SELECT created_at FROM messages WHERE room_id = ${input.roomId} ORDER BY id DESC LIMIT 1)`,
        lastMessageSender: input.senderId,
        lastMessageContent: input.content,
      })
      .where(eq(rooms.id, input.roomId)),
  ]);
  return row;
}
