/**
 * Messages coming into the room from elsewhere, and going out whole: the move of D1's history
 * (`npm run manage -- move-history`), an import (from the original condor_chat, or a room's
 * export) and an export. Rows keep their ids, so anything may be sent twice: what the store
 * holds already is kept, and what it lacks is filled in.
 *
 * A message carries its mentions, quote, thread and reactions (all ids, kept as they are).
 * Not its files nor its link previews: an export holds no files (R2's bytes stay where they
 * are, as avatars do), so a file's record would point at nothing in another installation,
 * and a preview is only a copy of what a linked page said, read again when the text changes.
 *
 * Raw SQL on the store's version 2 tables (schema.ts), apart from the store's everyday reads.
 */

import type { StoredMessage } from "../../core/history";

export type { StoredMessage };
/** A message in an export: its text is NULL where the store's is still in D1. */
export type ExportedMessage = Omit<StoredMessage, "content"> & { content: string | null };
/** How far a member has read. */
export type ReadPosition = { user_id: number; last_read_id: number };

/** A message of an import, whose thread root may be given as null (none). */
export type ImportedMessage = Omit<StoredMessage, "thread_root"> & { thread_root?: number | null };

export type ImportBatch = { messages: ImportedMessage[]; reads: ReadPosition[] };
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
  INSERT INTO messages (id, sender_id, client_id, created_at, content, edited_at, deleted_at, mentions, reply_to, thread_root)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET content = excluded.content, edited_at = excluded.edited_at, deleted_at = excluded.deleted_at,
    mentions = excluded.mentions, reply_to = excluded.reply_to, thread_root = excluded.thread_root
    WHERE messages.content IS NULL
  ON CONFLICT DO NOTHING`;
/** A reaction already there is kept; one to a deleted or clashing message is not taken. */
const IMPORT_REACTION = `
  INSERT INTO reactions (message_id, emoji, user_id, created_at)
  SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1 AND sender_id = ?5 AND deleted_at IS NULL)
  ON CONFLICT DO NOTHING`;
/** Read positions only move forward. */
const IMPORT_READ = `
  INSERT INTO reads (user_id, last_read_id) VALUES (?, ?)
  ON CONFLICT (user_id) DO UPDATE SET last_read_id = max(last_read_id, excluded.last_read_id)`;
const COUNT_HELD =
  "SELECT count(*) AS n FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND content IS NOT NULL";

/** Stores a batch in one transaction and says how much of it the store holds. */
export function importMessages(storage: Storage, batch: ImportBatch): ImportResult {
  return storage.transactionSync(() => {
    const { sql } = storage;
    for (const m of batch.messages) {
      const mentions = m.mentions?.length ? JSON.stringify(m.mentions) : null;
      sql.exec(
        IMPORT_MESSAGE,
        m.id,
        m.sender_id,
        m.client_id,
        m.created_at,
        m.content,
        m.edited_at,
        m.deleted_at,
        mentions,
        m.reply_to ?? null,
        m.thread_root ?? null,
      );
      // Reactions take the message's time: their order is their rowid, so first use stays first.
      for (const { emoji, users } of m.reactions ?? [])
        for (const user of users) sql.exec(IMPORT_REACTION, m.id, emoji, user, m.created_at, m.sender_id);
    }
    for (const read of batch.reads) sql.exec(IMPORT_READ, read.user_id, read.last_read_id);
    const ids = JSON.stringify([...new Set(batch.messages.map((m) => m.id))]);
    return { held: sql.exec<{ n: number }>(COUNT_HELD, ids).one().n };
  });
}

/** A page of the store's messages after an id, as they are stored. */
export function exportMessages(sql: SqlStorage, { after, limit }: ExportQuery): ExportPage {
  const rows = sql
    .exec<ExportRow>(
      `SELECT id, sender_id, client_id, created_at, content, edited_at, deleted_at, mentions, reply_to, thread_root,
         (SELECT json_group_array(json_array(emoji, user_id)) FROM
           (SELECT emoji, user_id FROM reactions WHERE message_id = messages.id ORDER BY rowid)) AS reactions
       FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
      after,
      limit + 1,
    )
    .toArray();
  const messages = rows.slice(0, limit).map(exported);
  return { messages, next: rows.length > limit ? messages.at(-1)!.id : null };
}

type ExportRow = Omit<ExportedMessage, "mentions" | "reply_to" | "thread_root" | "reactions"> & {
  mentions: string | null;
  reply_to: number | null;
  thread_root: number | null;
  /** JSON pairs of [emoji, user id], in the order they were added. */
  reactions: string;
};

/** A row as an export shows it: what it lacks is absent, as in the API's answers. */
function exported({ mentions, reply_to, thread_root, reactions, ...row }: ExportRow): ExportedMessage {
  const message: ExportedMessage = row;
  if (mentions !== null) message.mentions = JSON.parse(mentions) as number[];
  if (reply_to !== null) message.reply_to = reply_to;
  if (thread_root !== null) message.thread_root = thread_root;
  const tallies = new Map<string, number[]>();
  for (const [emoji, user] of JSON.parse(reactions) as [string, number][])
    tallies.set(emoji, [...(tallies.get(emoji) ?? []), user]);
  if (tallies.size > 0) message.reactions = [...tallies].map(([emoji, users]) => ({ emoji, users }));
  return message;
}
