/**
 * Messages written straight into a room object's store, in the layout of its schema (v2 and
 * later): so a test says exactly which texts, senders and times a room holds, and changes
 * them as the room's edits and deletes write them.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { roomObject } from "../../durable/room";

export type StoredMessage = { id: number; senderId: number; content: string | null; createdAt: string };

const inStore = (roomId: number, work: (sql: SqlStorage) => void) =>
  runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => work(state.storage.sql));

/** Ids above any the test's rooms are given: messages ids are global, so each is used once. */
let nextId = 5_000_000;
export const storedId = () => nextId++;

/** Writes messages into the room's store. */
export function storeMessages(roomId: number, messages: StoredMessage[]) {
  return inStore(roomId, (sql) => {
    for (const m of messages)
      sql.exec(
        "INSERT INTO messages (id, sender_id, created_at, content) VALUES (?, ?, ?, ?)",
        m.id,
        m.senderId,
        m.createdAt,
        m.content,
      );
  });
}

/** Edits a stored message, as the room's edit does: its new text, and when. */
export function editStored(roomId: number, id: number, content: string) {
  return inStore(roomId, (sql) => {
    sql.exec("UPDATE messages SET content = ?, edited_at = ? WHERE id = ?", content, new Date().toISOString(), id);
  });
}

/** Deletes a stored message, as the room's delete does: its text blanked, its place kept. */
export function deleteStored(roomId: number, id: number) {
  return inStore(roomId, (sql) => {
    sql.exec("UPDATE messages SET content = '', deleted_at = ? WHERE id = ?", new Date().toISOString(), id);
  });
}
