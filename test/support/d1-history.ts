/**
 * D1 as installations from before the rooms kept their own history hold it: a `messages`
 * table and the members' read positions in `room_members.last_read_id`. Where the migration
 * that drops them has run, they are made again as migration 0001 made them, so the move of
 * that history is tested whatever the schema is now.
 */
import { env } from "cloudflare:test";

export type D1HistoryMessage = {
  id: number;
  sender: number;
  content: string;
  created_at?: string;
  edited_at?: string | null;
  deleted_at?: string | null;
  client_id?: string | null;
};

async function ensureD1History() {
  const table = await env.DB.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").first();
  if (table) return;
  await env.DB.batch([
    env.DB.prepare(`CREATE TABLE messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      sender_id INTEGER NOT NULL REFERENCES users (id),
      content TEXT NOT NULL,
      created_at TEXT NOT NULL,
      edited_at TEXT,
      deleted_at TEXT,
      client_id TEXT)`),
    env.DB.prepare("CREATE INDEX messages_by_room ON messages (room_id, id)"),
    env.DB.prepare("ALTER TABLE room_members ADD COLUMN last_read_id INTEGER NOT NULL DEFAULT 0"),
  ]);
}

/** Puts messages into D1's history of a room, as the copy from the room's object did. */
export async function putD1Messages(roomId: number, messages: D1HistoryMessage[]) {
  await ensureD1History();
  await env.DB.batch(
    messages.map((m) =>
      env.DB.prepare(
        `INSERT INTO messages (id, room_id, sender_id, content, created_at, edited_at, deleted_at, client_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        m.id,
        roomId,
        m.sender,
        m.content,
        m.created_at ?? new Date(Date.UTC(2025, 0, 1, 0, 0, m.id)).toISOString(),
        m.edited_at ?? null,
        m.deleted_at ?? null,
        m.client_id ?? null,
      ),
    ),
  );
}

/** Sets a member's read position in D1, as marking a room read did. */
export async function putD1Read(roomId: number, userId: number, lastReadId: number) {
  await ensureD1History();
  await env.DB.prepare("UPDATE room_members SET last_read_id = ? WHERE room_id = ? AND user_id = ?")
    .bind(lastReadId, roomId, userId)
    .run();
}

/** What is left of D1's history: its messages' ids by room, and the read positions it still holds. */
export async function d1HistoryLeft() {
  await ensureD1History();
  const [messages, reads] = await env.DB.batch<{ room_id: number; id?: number; user_id?: number }>([
    env.DB.prepare("SELECT room_id, id FROM messages ORDER BY id"),
    env.DB.prepare("SELECT room_id, user_id, last_read_id FROM room_members WHERE last_read_id > 0"),
  ]);
  return { messages: messages.results, reads: reads.results };
}
