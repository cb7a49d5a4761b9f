/**
 * The room store's schema, versioned: `schema_version` holds the version a store is at, and
 * opening a store applies the migrations after it, in order, in one transaction. A migration
 * is never edited once shipped; a change to the layout is a new one at the end.
 */

/**
 * Version 1, the layout every room had before the store was versioned: messages (their text
 * only until D1 had them: a copy that version 2 removed) and the block of ids the room may give.
 */
const V1 = `
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    sender_id INTEGER NOT NULL,
    client_id TEXT,
    created_at TEXT NOT NULL,
    content TEXT
  );
  CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX messages_uncopied ON messages (id) WHERE content IS NOT NULL;
  CREATE TABLE id_block (only INTEGER PRIMARY KEY CHECK (only = 1), first_id INTEGER NOT NULL, end_id INTEGER NOT NULL);
`;

/**
 * Version 2: the store keeps whole messages for good, edits and deletes included, and the
 * read marks; D1 no longer has a copy. For the inbox news (see inbox-news.ts): `owed_counts`
 * lists participants whose inbox missed news, and `news_told` how far news has gone out. A message whose content is NULL is one D1 had taken
 * before version 2: its text comes back with `npm run manage -- move-history`.
 */
const V2 = `
  ALTER TABLE messages ADD COLUMN edited_at TEXT;
  ALTER TABLE messages ADD COLUMN deleted_at TEXT;
  DROP INDEX messages_uncopied;
  CREATE TABLE reads (user_id INTEGER PRIMARY KEY, last_read_id INTEGER NOT NULL);
  CREATE TABLE owed_counts (user_id INTEGER PRIMARY KEY);
  CREATE TABLE news_told (only INTEGER PRIMARY KEY CHECK (only = 1), up_to INTEGER NOT NULL);
  INSERT INTO news_told SELECT 1, coalesce(max(id), 0) FROM messages;
`;

/** A message's text as the search index holds it: the highlight's two markers taken out. */
export const INDEXED = (content: string) => `replace(replace(${content}, char(57344), ''), char(57345), '')`;

/**
 * The triggers that keep the search index in step with messages' texts; `indexed`, when
 * given, the condition for a row ("NEW" or "OLD") to be in the index at all.
 */
const indexTriggers = (indexed?: (row: "NEW" | "OLD") => string) => {
  const and = (row: "NEW" | "OLD") => (indexed ? ` AND ${indexed(row)}` : "");
  return `
  CREATE TRIGGER message_index_insert AFTER INSERT ON messages
    WHEN NEW.content IS NOT NULL AND NEW.deleted_at IS NULL${and("NEW")}
  BEGIN
    INSERT INTO message_index (rowid, content) VALUES (NEW.id, ${INDEXED("NEW.content")});
  END;
  CREATE TRIGGER message_index_update AFTER UPDATE OF content, deleted_at ON messages
    ${indexed ? `WHEN ${indexed("OLD")}` : ""}
  BEGIN
    INSERT INTO message_index (message_index, rowid, content)
      SELECT 'delete', OLD.id, ${INDEXED("OLD.content")} WHERE OLD.content IS NOT NULL AND OLD.deleted_at IS NULL;
    INSERT INTO message_index (rowid, content)
      SELECT NEW.id, ${INDEXED("NEW.content")} WHERE NEW.content IS NOT NULL AND NEW.deleted_at IS NULL;
  END;
  CREATE TRIGGER message_index_delete AFTER DELETE ON messages
    WHEN OLD.content IS NOT NULL AND OLD.deleted_at IS NULL${and("OLD")}
  BEGIN
    INSERT INTO message_index (message_index, rowid, content) VALUES ('delete', OLD.id, ${INDEXED("OLD.content")});
  END;`;
};

/**
 * Version 3: the full-text index of messages (FTS5) for search. It holds exactly the rows of
 * `message_text`, the messages not deleted whose text is in the store, without U+E000 and
 * U+E001 (search marks matches with them, so no message can fake a mark); the triggers keep
 * it so on every insert, edit and delete, and a delete also blanks the message's text.
 * External content: the text is stored once, in messages, and highlights read it from there.
 */
const V3 = `
  UPDATE messages SET content = '' WHERE deleted_at IS NOT NULL AND content <> '';
  CREATE VIEW message_text AS
    SELECT id, ${INDEXED("content")} AS content
    FROM messages WHERE content IS NOT NULL AND deleted_at IS NULL;
  CREATE VIRTUAL TABLE message_index USING fts5(
    content, content = 'message_text', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
  );
  INSERT INTO message_index (message_index) VALUES ('rebuild');
${indexTriggers()}
  CREATE TRIGGER messages_deleted_blank AFTER UPDATE OF deleted_at ON messages
    WHEN NEW.deleted_at IS NOT NULL AND NEW.content <> ''
  BEGIN
    UPDATE messages SET content = '' WHERE id = NEW.id;
  END;
`;

/**
 * Reactions: who reacted to which message with which emoji, once each. A message's emoji
 * show in the order of their rowid, which is first use; a deleted message loses them.
 */
const REACTIONS = `
  CREATE TABLE reactions (
    message_id INTEGER NOT NULL,
    emoji TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
  );
  CREATE TRIGGER reactions_of_deleted AFTER UPDATE OF deleted_at ON messages
    WHEN NEW.deleted_at IS NOT NULL
  BEGIN
    DELETE FROM reactions WHERE message_id = NEW.id;
  END;
`;

/**
 * Mentions: the ids of the members a message names (JSON, NULL when none), read once when
 * it is committed or edited. The index finds the few that mention anyone, for the counts.
 */
const MENTIONS = `
  ALTER TABLE messages ADD COLUMN mentions TEXT;
  CREATE INDEX messages_mentioning ON messages (id) WHERE mentions IS NOT NULL;
`;

/**
 * Replies and threads (see threads.ts): `reply_to`, the message a message quotes; `thread_root`,
 * the root of the thread it replies in (NULL for the main timeline). The index pages a thread
 * and sums up the threads of a page's roots; the main timeline's reads skip thread replies.
 */
const THREADS = `
  ALTER TABLE messages ADD COLUMN reply_to INTEGER;
  ALTER TABLE messages ADD COLUMN thread_root INTEGER;
  CREATE INDEX messages_thread ON messages (thread_root, id) WHERE thread_root IS NOT NULL;
`;

/**
 * Attachments: a message's files as JSON (absent when none), and the uploads not sent yet,
 * which a send moves onto its message and the alarm removes an hour after their upload.
 */
const ATTACHMENTS = `
  ALTER TABLE messages ADD COLUMN attachments TEXT;
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    sender_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    uploaded_at INTEGER NOT NULL
  );
  CREATE INDEX uploads_by_sender ON uploads (sender_id);
  CREATE INDEX uploads_by_age ON uploads (uploaded_at);
`;

/**
 * Link previews (see link-previews.ts): what the first links of a message's text say of
 * themselves, as JSON, NULL when none; written after the message, cleared by an edit or delete.
 */
const LINK_PREVIEWS = `
  ALTER TABLE messages ADD COLUMN previews TEXT;
`;

/** Moderation: 1 on a message a superuser removed (not its sender), NULL otherwise. */
const REMOVED_BY_ADMIN = `
  ALTER TABLE messages ADD COLUMN removed_by_admin INTEGER;
`;

/**
 * What changed on messages a socket already has, for its catch-up (catch-up.ts): `changed` is
 * the room's count of changes when a message last changed (its text, edit, delete, previews
 * or reactions), kept by triggers so no path can forget it; NULL for one never changed.
 */
const NEXT_CHANGE = "(SELECT coalesce(max(changed), 0) + 1 FROM messages WHERE changed IS NOT NULL)";
const CHANGES = `
  ALTER TABLE messages ADD COLUMN changed INTEGER;
  CREATE INDEX messages_changed ON messages (changed) WHERE changed IS NOT NULL;
  CREATE TRIGGER messages_changed AFTER UPDATE OF content, edited_at, deleted_at, previews ON messages
  BEGIN
    UPDATE messages SET changed = ${NEXT_CHANGE} WHERE id = NEW.id;
  END;
  CREATE TRIGGER reaction_added AFTER INSERT ON reactions
  BEGIN
    UPDATE messages SET changed = ${NEXT_CHANGE} WHERE id = NEW.message_id;
  END;
  CREATE TRIGGER reaction_removed AFTER DELETE ON reactions
  BEGIN
    UPDATE messages SET changed = ${NEXT_CHANGE} WHERE id = OLD.message_id;
  END;
`;

/**
 * Timeline notes (see notes.ts): each change to the room's members or title, with who made
 * it and `after_id`, the room's latest message then, which places it among the messages.
 */
const NOTES = `
  CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    after_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id INTEGER,
    by_id INTEGER,
    title TEXT
  );
  CREATE INDEX notes_by_place ON notes (after_id, id);
`;

/**
 * The search index catches up in batches (MessageSearch.indexWaiting), off the message path:
 * FTS5 writes a segment for every transaction that changes it, which made the index most of a
 * lone message's commit. `index_state.up_to` is the last id it holds; a message above it is
 * not in the index yet, so edits and deletes of it leave the index alone (the catch-up reads
 * its text as it is then). A message written below it (an import of history) is indexed at once.
 */
const INDEX_IN_BATCHES = `
  CREATE TABLE index_state (only INTEGER PRIMARY KEY CHECK (only = 1), up_to INTEGER NOT NULL);
  INSERT INTO index_state (only, up_to) SELECT 1, coalesce(max(id), 0) FROM messages;
  DROP TRIGGER message_index_insert;
  DROP TRIGGER message_index_update;
  DROP TRIGGER message_index_delete;
  ${indexTriggers((row) => `${row}.id <= (SELECT up_to FROM index_state)`)}
`;

/**
 * messages_uncopied found the messages to copy to D1, which version 2 ended; every insert
 * still wrote to it (a fifth of a lone insert's cost in plain SQLite), for no query.
 */
const UNCOPIED_INDEX_GONE = "DROP INDEX IF EXISTS messages_uncopied;";

/** The migrations in order: the one at index i takes a store from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  V1,
  V2,
  V3,
  REACTIONS,
  MENTIONS,
  THREADS,
  ATTACHMENTS,
  LINK_PREVIEWS,
  REMOVED_BY_ADMIN,
  CHANGES,
  NOTES,
  INDEX_IN_BATCHES,
  UNCOPIED_INDEX_GONE,
];
export const LATEST_VERSION = MIGRATIONS.length;

type Storage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

const tableExists = (sql: SqlStorage, name: string) =>
  sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;

/**
 * The version a store is at: 0 when it has no tables; 1 when it has version 1's tables from
 * before `schema_version` existed (those rooms were never told their version).
 */
export function schemaVersion(sql: SqlStorage): number {
  if (tableExists(sql, "schema_version"))
    return sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version;
  return tableExists(sql, "messages") ? 1 : 0;
}

/** Brings the store to LATEST_VERSION, keeping its rows; returns the version it was at. */
export function migrate(storage: Storage): number {
  return storage.transactionSync(() => {
    const { sql } = storage;
    const from = schemaVersion(sql);
    if (from > LATEST_VERSION)
      throw new Error(`room store is at version ${from}, newer than this code's ${LATEST_VERSION}`);
    for (let version = from; version < LATEST_VERSION; version++) sql.exec(MIGRATIONS[version]);
    sql.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (only INTEGER PRIMARY KEY CHECK (only = 1), version INTEGER NOT NULL)",
    );
    sql.exec("INSERT OR REPLACE INTO schema_version (only, version) VALUES (1, ?)", LATEST_VERSION);
    return from;
  });
}
