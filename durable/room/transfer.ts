/**
 * Messages coming into the room from elsewhere, and going out whole: the move of D1's history
 * (`npm run manage -- move-history`), an import (from the original condor_chat, or a room's
 * export) and an export. Rows keep their ids, so anything may be sent twice: what the store
 * holds already is kept, and what it lacks is filled in.
 *
 * Raw SQL on the store's version 2 tables (schema.ts), apart from the store's everyday reads.
 */

import type { StoredMessage } from "../../core/history";

export type { StoredMessage };
/** A message in an export: its text is NULL where the store's is still in D1. */
export type ExportedMessage = Omit<StoredMessage, "content"> & { content: string | null };
/** How far a member has read. */
export type ReadPosition = { user_id: number; last_read_id: number };

/** A message of an import with the thread it replies in, when it does (another app's history). */
export type ImportedMessage = StoredMessage & { thread_root?: number | null; mentions?: number[] };
/** A member's reaction to one of the batch's messages, or to one the store holds. */
export type ImportedReaction = { message_id: number; emoji: string; user_id: number; created_at: string };

export type ImportBatch = { messages: ImportedMessage[]; reads: ReadPosition[]; reactions?: ImportedReaction[] };
/** How many of the batch's messages the store now holds with their text: all of them, unless one clashed. */
export type ImportResult = { held: number };

export type ExportQuery = { after: number; limit: number };
/** A page, oldest first; `next` is the `after` of the page that follows, null at the end. */
export type ExportPage = { messages: ExportedMessage[]; next: number | null };

type Storage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

/**
 * A message already stored with its text keeps it (the room's own copy is at least as new);
 * one whose text is NULL (D1 took it before version 2) gets the text, edit and delete. A
 * row that clashes with another message's client id is left out, and so not counted as held.
 */
const IMPORT_MESSAGE = `
  INSERT INTO messages (id, sender_id, client_id, created_at, content, edited_at, deleted_at, thread_root, mentions)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET content = excluded.content, edited_at = excluded.edited_at, deleted_at = excluded.deleted_at
    WHERE messages.content IS NULL
  ON CONFLICT DO NOTHING`;
/** Read positions only move forward. */
const IMPORT_READ = `
  INSERT INTO reads (user_id, last_read_id) VALUES (?, ?)
  ON CONFLICT (user_id) DO UPDATE SET last_read_id = max(last_read_id, excluded.last_read_id)`;
/** A reaction given once stays once. */
const IMPORT_REACTION =
  "INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
const COUNT_HELD =
  "SELECT count(*) AS n FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND content IS NOT NULL";

/** Stores a batch in one transaction and says how much of it the store holds. */
export function importMessages(storage: Storage, batch: ImportBatch): ImportResult {
  return storage.transactionSync(() => {
    const { sql } = storage;
    for (const m of batch.messages) {
      const { id, sender_id, client_id, created_at, content, edited_at, deleted_at } = m;
      const mentions = m.mentions?.length ? JSON.stringify(m.mentions) : null;
      const thread = m.thread_root ?? null;
      sql.exec(IMPORT_MESSAGE, id, sender_id, client_id, created_at, content, edited_at, deleted_at, thread, mentions);
    }
    for (const r of batch.reactions ?? []) sql.exec(IMPORT_REACTION, r.message_id, r.emoji, r.user_id, r.created_at);
    for (const read of batch.reads) sql.exec(IMPORT_READ, read.user_id, read.last_read_id);
    const ids = JSON.stringify([...new Set(batch.messages.map((m) => m.id))]);
    return { held: sql.exec<{ n: number }>(COUNT_HELD, ids).one().n };
  });
}

/** A page of the store's messages after an id, as they are stored. */
export function exportMessages(sql: SqlStorage, { after, limit }: ExportQuery): ExportPage {
  const rows = sql
    .exec<ExportedMessage>(
      `SELECT id, sender_id, client_id, created_at, content, edited_at, deleted_at
       FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
      after,
      limit + 1,
    )
    .toArray();
  const messages = rows.slice(0, limit);
  return { messages, next: rows.length > limit ? messages.at(-1)!.id : null };
}
