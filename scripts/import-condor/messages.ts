/**
 * The import's messages, which go into their rooms' objects through the admin routes
 * (POST /api/admin/rooms/{id}/messages): each room's in requests under the routes' limits,
 * with every member read up to the room's last message, and the blocks that tie the ids to
 * their rooms in D1.
 */
import type { MessageBlock, NewRoom } from "./records.ts";

/** JSON one request carries at most: half of the admin routes' 2 MiB (MAX_ADMIN_BODY_BYTES). */
const REQUEST_BYTES = 1024 * 1024;
/** Messages or read positions one request carries at most (MAX_ADMIN_ROWS). */
const ROWS_PER_REQUEST = 1000;

export type StoredMessage = {
  id: number;
  sender_id: number;
  client_id: null;
  created_at: string;
  content: string;
  edited_at: string | null;
  deleted_at: string | null;
  mentions?: number[];
  reply_to?: number;
  thread_root?: number;
  reactions?: { emoji: string; users: number[] }[];
};
export type RoomImport = { messages: StoredMessage[]; reads: { user_id: number; last_read_id: number }[] };

/** Splits rows into runs under both limits, in their order. */
function requestsOf<T>(rows: T[]): T[][] {
  const requests: T[][] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    const current = requests.at(-1);
    if (current && current.length < ROWS_PER_REQUEST && bytes + size <= REQUEST_BYTES) {
      current.push(row);
      bytes += size;
    } else {
      requests.push([row]);
      bytes = size;
    }
  }
  return requests;
}

/** A room's requests: its messages, then every member's read position at its last message. */
export function roomImports(room: NewRoom): RoomImport[] {
  const last = room.messages.at(-1);
  if (!last) return [];
  const messages = room.messages.map(
    (message): StoredMessage => ({
      id: message.id,
      sender_id: message.senderId,
      client_id: null,
      created_at: message.createdAt,
      content: message.content,
      edited_at: message.editedAt,
      deleted_at: message.deletedAt ?? null,
      ...(message.mentions?.length && { mentions: message.mentions }),
      ...(message.replyTo !== undefined && { reply_to: message.replyTo }),
      ...(message.threadRoot !== undefined && { thread_root: message.threadRoot }),
      ...(message.reactions?.length && { reactions: message.reactions }),
    }),
  );
  const reads = room.members.map((member) => ({ user_id: member.userId, last_read_id: last.id }));
  return [
    ...requestsOf(messages).map((part) => ({ messages: part, reads: [] })),
    ...requestsOf(reads).map((part) => ({ messages: [], reads: part })),
  ];
}

/**
 * One block per run of ids that no other room's imported message interrupts, from its first
 * id to just past its last. A run skips ids only from `handedOut` on, where no message here
 * has one; below it, the ids an earlier run recorded for the room, it goes on only through
 * neighbours.
 */
export function messageBlocks(rooms: NewRoom[], handedOut: number): MessageBlock[] {
  const ids = rooms
    .flatMap((room) => room.messages.map((message) => ({ id: message.id, roomId: room.id })))
    .sort((a, b) => a.id - b.id);
  const blocks: MessageBlock[] = [];
  for (const { id, roomId } of ids) {
    const current = blocks.at(-1);
    if (current?.roomId === roomId && (current.endId === id || current.endId >= handedOut)) current.endId = id + 1;
    else blocks.push({ firstId: id, endId: id + 1, roomId });
  }
  return blocks;
}
