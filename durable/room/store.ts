/**
 * The room's own store of messages, in the object's SQLite. Every message is written here
 * first, numbered; its text stays until D1 has a copy (see d1-copy.ts), while its id, sender
 * and client id stay for good, which is how a retried send is known without a round trip.
 */
import type { HistoryQuery, TakenMessage } from "../../core/db/messages";
import type { MessageRow } from "../../core/db/schema";
import type { RoomContext } from "./context";
import { migrate } from "./schema";

/** A message as the store holds it; content is NULL once D1 has the message. */
type StoreRow = { id: number; sender_id: number; client_id: string | null; created_at: string; content: string | null };
export type IdBlock = { firstId: number; endId: number };

export class MessageStore {
  constructor(
    private readonly storage: Pick<DurableObjectStorage, "sql" | "transactionSync">,
    private readonly room: RoomContext,
  ) {}

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

  /** How many messages D1 does not have yet. */
  countUncopied(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE content IS NOT NULL").one().n;
  }

  /** Writes a message; false when its sender's client id is stored already (a retry). */
  insert(message: TakenMessage): boolean {
    const { rowsWritten } = this.#sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      message.id,
      message.senderId,
      message.clientId,
      message.createdAt,
      message.content,
    );
    return rowsWritten > 0;
  }

  /** The message a sender stored under a client id: its text is null once D1 has it. */
  byClientId(senderId: number, clientId: string | null): { id: number; row: MessageRow | null } {
    const row = this.#sql
      .exec<StoreRow>("SELECT * FROM messages WHERE sender_id = ? AND client_id = ?", senderId, clientId)
      .one();
    return { id: row.id, row: row.content === null ? null : this.#asMessageRow(row) };
  }

  /** The oldest messages D1 does not have yet, up to `limit`. */
  uncopied(limit: number): TakenMessage[] {
    return this.#sql
      .exec<StoreRow>("SELECT * FROM messages WHERE content IS NOT NULL ORDER BY id LIMIT ?", limit)
      .toArray()
      .map((row) => ({
        id: row.id,
        senderId: row.sender_id,
        content: row.content!,
        createdAt: row.created_at,
        clientId: row.client_id,
      }));
  }

  /** D1 has every message up to `lastId`: their text leaves the store. */
  markCopied(lastId: number) {
    this.#sql.exec("UPDATE messages SET content = NULL WHERE content IS NOT NULL AND id <= ?", lastId);
  }

  /** The page's rows among the messages D1 does not have yet, as historyRows reads D1's. */
  uncopiedPage(page: HistoryQuery): MessageRow[] {
    const rows =
      page.after !== undefined
        ? this.#sql.exec<StoreRow>(
            "SELECT * FROM messages WHERE content IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
            page.after,
            page.limit + 1,
          )
        : this.#sql.exec<StoreRow>(
            "SELECT * FROM messages WHERE content IS NOT NULL AND id < ? ORDER BY id DESC LIMIT ?",
            page.before ?? Number.MAX_SAFE_INTEGER,
            page.limit + 1,
          );
    return rows.toArray().map((row) => this.#asMessageRow(row));
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

  #asMessageRow(row: StoreRow): MessageRow {
    return {
      id: row.id,
      roomId: this.room.roomId,
      senderId: row.sender_id,
      content: row.content ?? "",
      createdAt: row.created_at,
      editedAt: null,
      deletedAt: null,
      clientId: row.client_id,
    };
  }
}
