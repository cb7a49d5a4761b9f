/**
 * The room's own store, in the object's SQLite: its messages, numbered, with their edits and
 * deletes, and how far each participant has read. It is the only copy of them: D1 knows
 * only which room a block of ids belongs to.
 */
import type { StoredAttachment } from "../../core/attachments";
import { type HistoryQuery, type MessageRow, pageOf, type StoredPreview } from "../../core/history";
import type { RoomContext } from "./context";
import { migrate } from "./schema";
import { Threads } from "./threads";

/** A message as the store holds it; content is NULL only for one still to come back from D1 (see schema.ts). */
type StoreRow = {
  id: number;
  sender_id: number;
  client_id: string | null;
  created_at: string;
  content: string | null;
  edited_at: string | null;
  deleted_at: string | null;
  mentions: string | null;
  previews: string | null;
  reply_to: number | null;
  thread_root: number | null;
  /** JSON of the message's files; NULL when none. */
  attachments: string | null;
  removed_by_admin: number | null;
  changed: number | null;
};
export type HistoryPage = { rows: MessageRow[]; hasMore: boolean };
export type IdBlock = { firstId: number; endId: number };
/** A message as the room takes it, numbered. */
export type NewMessage = Pick<
  MessageRow,
  "id" | "senderId" | "content" | "createdAt" | "clientId" | "mentions" | "attachments"
> & {
  replyToId?: number;
  threadRootId?: number;
};
/**
 * Which messages a page reads: the main timeline (thread replies left out), or everything
 * (for catch-up and inbox news, which must miss no message). A query's `thread` pages one thread.
 */
export type PageScope = "timeline" | "everything";
export type MessageChange = {
  content: string;
  editedAt?: string;
  deletedAt?: string;
  mentions?: number[];
  removedByAdmin?: true;
};

export class MessageStore {
  readonly threads: Threads;

  constructor(
    private readonly storage: Pick<DurableObjectStorage, "sql" | "transactionSync">,
    private readonly room: RoomContext,
  ) {
    this.threads = new Threads(storage.sql);
  }

  get #sql() {
    return this.storage.sql;
  }

  /** Brings the schema up to date; called before anything else, and again after the room is wiped. */
  open() {
    migrate(this.storage);
  }

  /** The highest id the store holds, or 0. */
  latestId(): number {
    return this.#sql.exec<{ id: number | null }>("SELECT max(id) AS id FROM messages").one().id ?? 0;
  }

  /** The room's count of changes to its messages so far (see schema.ts); 0 before the first. */
  latestChange(): number {
    const sql = "SELECT max(changed) AS n FROM messages WHERE changed IS NOT NULL";
    return this.#sql.exec<{ n: number | null }>(sql).one().n ?? 0;
  }

  /**
   * Messages up to `upTo` (thread replies included) changed after the count `since`, in the
   * order they changed; the last `limit` changes at most, the newest being what a reader sees.
   */
  changedSince(since: number, upTo: number, limit: number): MessageRow[] {
    const rows = this.#sql
      .exec<StoreRow>(
        `SELECT * FROM (SELECT * FROM messages WHERE changed > ? AND id <= ? AND content IS NOT NULL
           ORDER BY changed DESC LIMIT ?) ORDER BY changed`,
        since,
        upTo,
        limit,
      )
      .toArray();
    return this.#decorated(rows);
  }

  /** Runs `write` as one transaction: all of its writes are stored, or none. */
  transaction<T>(write: () => T): T {
    return this.storage.transactionSync(write);
  }

  /** Writes a message; false when its sender's client id is stored already (a retry). */
  insert(message: NewMessage): boolean {
    const { rowsWritten } = this.#sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content, mentions, reply_to, thread_root, attachments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      message.id,
      message.senderId,
      message.clientId,
      message.createdAt,
      message.content,
      mentionsColumn(message.mentions),
      message.replyToId ?? null,
      message.threadRootId ?? null,
      message.attachments?.length ? JSON.stringify(message.attachments) : null,
    );
    return rowsWritten > 0;
  }

  /** Whether a sender stored a message under this client id already. */
  hasClientId(senderId: number, clientId: string): boolean {
    return (
      this.#sql.exec("SELECT 1 FROM messages WHERE sender_id = ? AND client_id = ?", senderId, clientId).toArray()
        .length > 0
    );
  }

  /** The message a sender stored under a client id. */
  byClientId(senderId: number, clientId: string | null): MessageRow {
    const row = this.#sql
      .exec<StoreRow>("SELECT * FROM messages WHERE sender_id = ? AND client_id = ?", senderId, clientId)
      .one();
    return this.#decorated([row])[0];
  }

  find(id: number): MessageRow | undefined {
    const row = this.#sql.exec<StoreRow>("SELECT * FROM messages WHERE id = ?", id).toArray()[0];
    return row && this.#decorated([row])[0];
  }

  /** A page of history, oldest first; `hasMore` when there is more past its far end. */
  page(page: HistoryQuery, scope: PageScope = "timeline"): HistoryPage {
    const which =
      page.thread !== undefined ? "thread_root = ? AND" : scope === "timeline" ? "thread_root IS NULL AND" : "";
    const thread = page.thread !== undefined ? [page.thread] : [];
    // Read nearest the page's starting point first, one row past its limit.
    const rows =
      page.after !== undefined
        ? this.#sql.exec<StoreRow>(
            `SELECT * FROM messages WHERE ${which} id > ? ORDER BY id LIMIT ?`,
            ...thread,
            page.after,
            page.limit + 1,
          )
        : this.#sql.exec<StoreRow>(
            `SELECT * FROM messages WHERE ${which} id < ? ORDER BY id DESC LIMIT ?`,
            ...thread,
            page.before ?? Number.MAX_SAFE_INTEGER,
            page.limit + 1,
          );
    const { rows: taken, hasMore } = pageOf(rows.toArray(), page);
    return { rows: this.#decorated(taken), hasMore };
  }

  /** Changes a message's text, or blanks it when deleted; answers the changed row. */
  rewrite(id: number, change: MessageChange): MessageRow {
    const row = this.#sql
      .exec<StoreRow>(
        // A deleted message's files go with its text; a changed text's previews are read again.
        `UPDATE messages SET content = ?1, edited_at = coalesce(?2, edited_at), deleted_at = coalesce(?3, deleted_at),
           attachments = iif(?3 IS NULL, attachments, NULL), mentions = ?4, previews = NULL,
           removed_by_admin = coalesce(?6, removed_by_admin) WHERE id = ?5 RETURNING *`,
        change.content,
        change.editedAt ?? null,
        change.deletedAt ?? null,
        mentionsColumn(change.mentions),
        id,
        change.removedByAdmin ? 1 : null,
      )
      .one();
    return this.#decorated([row])[0];
  }

  /**
   * Keeps the previews of a message whose text is still `content` (an edit or delete since
   * the pages were fetched makes them stale); answers the changed row, or null.
   */
  preview(id: number, content: string, previews: StoredPreview[]): MessageRow | null {
    const rows = this.#sql
      .exec<StoreRow>(
        "UPDATE messages SET previews = ? WHERE id = ? AND content = ? AND deleted_at IS NULL RETURNING *",
        JSON.stringify(previews),
        id,
        content,
      )
      .toArray();
    return rows.length ? this.#decorated(rows)[0] : null;
  }

  /** Every participant's read position, by user id; 0 for one who has read nothing. */
  readPositions(): Record<string, number> {
    const rows = this.#sql.exec<{ user_id: number; last_read_id: number }>("SELECT * FROM reads").toArray();
    return Object.fromEntries(rows.map((row) => [String(row.user_id), row.last_read_id]));
  }

  readPosition(userId: number): number {
    const row = this.#sql.exec<{ at: number }>("SELECT last_read_id AS at FROM reads WHERE user_id = ?", userId);
    return row.toArray()[0]?.at ?? 0;
  }

  /** Moves a read position forward only; reading an older message never un-reads newer ones. */
  markRead(userId: number, upTo: number): boolean {
    const { rowsWritten } = this.#sql.exec(
      `INSERT INTO reads (user_id, last_read_id) VALUES (?1, ?2)
       ON CONFLICT (user_id) DO UPDATE SET last_read_id = ?2 WHERE last_read_id < ?2`,
      userId,
      upTo,
    );
    return rowsWritten > 0;
  }

  /** Forgets a participant's read position: one who joins again starts from nothing read. */
  forgetReads(userId: number) {
    this.#sql.exec("DELETE FROM reads WHERE user_id = ?", userId);
  }

  /** Others' messages after the user's read position, deleted ones and thread replies not counted. */
  unreadFor(userId: number): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM messages WHERE id > ? AND sender_id <> ? AND deleted_at IS NULL AND thread_root IS NULL",
        this.readPosition(userId),
        userId,
      )
      .one().n;
  }

  /** Of the user's unread messages, the ones that mention them. */
  unreadMentionsFor(userId: number): number {
    return this.#sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM messages WHERE id > ? AND mentions IS NOT NULL AND deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM json_each(mentions) WHERE value = ?)`,
        this.readPosition(userId),
        userId,
      )
      .one().n;
  }

  /** The block of ids the room was last given, if any. */
  idBlock(): IdBlock | undefined {
    const block = this.#sql
      .exec<{ first_id: number; end_id: number }>("SELECT first_id, end_id FROM id_block")
      .toArray()[0];
    return block && { firstId: block.first_id, endId: block.end_id };
  }

  saveIdBlock(block: IdBlock) {
    this.#sql.exec(
      "INSERT OR REPLACE INTO id_block (only, first_id, end_id) VALUES (1, ?, ?)",
      block.firstId,
      block.endId,
    );
  }

  /** Store rows as messages, with their quotes and thread summaries. */
  #decorated(rows: StoreRow[]): MessageRow[] {
    return this.threads.decorate(
      rows.map((row) => this.#asMessageRow(row)),
      rows.map((row) => row.reply_to),
    );
  }

  #asMessageRow(row: StoreRow): MessageRow {
    const message: MessageRow = {
      id: row.id,
      roomId: this.room.roomId,
      senderId: row.sender_id,
      content: row.content ?? "",
      createdAt: row.created_at,
      editedAt: row.edited_at,
      deletedAt: row.deleted_at,
      clientId: row.client_id,
      ...(row.mentions === null ? {} : { mentions: JSON.parse(row.mentions) as number[] }),
      ...(row.previews === null ? {} : { previews: JSON.parse(row.previews) as StoredPreview[] }),
    };
    if (row.thread_root !== null) message.threadRoot = row.thread_root;
    if (row.attachments !== null) message.attachments = JSON.parse(row.attachments) as StoredAttachment[];
    if (row.removed_by_admin) message.removedByAdmin = true;
    return message;
  }
}

const mentionsColumn = (mentions: number[] | undefined) => (mentions?.length ? JSON.stringify(mentions) : null);
