/**
 * Search of the room's messages, in its full-text index (FTS5, schema version 3). The query
 * comes parsed (core/search/query.ts); each of its words goes into the match as a quoted
 * string of letters and digits, so nothing a person types is read as FTS5 syntax.
 *
 * New messages reach the index in batches, INDEX_AFTER_MS after a commit, and every search
 * first indexes what is still waiting: so a search finds every message committed before it.
 */
import { MATCH_END, MATCH_START } from "../../core/protocol-constants";
import type { SearchTerm } from "../../core/search/query";
import type { RoomMatch, RoomSearch } from "../../core/search/results";
import { INDEXED } from "./schema";

/** Words of a long message a highlight keeps around its matches (FTS5 allows up to 64). */
const HIGHLIGHT_WORDS = 32;
/** How long after a commit the index catches up: a busy room's messages share one index write. */
const INDEX_AFTER_MS = 200;
/** Most messages one catch-up indexes in a turn, so a room far behind does not hold its sockets up. */
const INDEX_BATCH = 500;
/** SQLite's LIMIT for no limit. */
const EVERY = -1;

type MatchRow = { id: number; sender_id: number; created_at: string; content: string; highlight: string };

/** A term as an FTS5 string: its words in quotes (they hold no quote), `*` when its last word is a prefix. */
const phrase = (term: SearchTerm) => `"${term.words.join(" ")}"${term.prefix ? "*" : ""}`;

/** The FTS5 match of a query: every term, and none of the excluded ones. */
export function matchExpression(search: Pick<RoomSearch, "terms" | "excluded">): string {
  const all = `(${search.terms.map(phrase).join(" AND ")})`;
  return [all, ...search.excluded.map(phrase)].join(" NOT ");
}

export class MessageSearch {
  #scheduled = false;

  constructor(private readonly storage: Pick<DurableObjectStorage, "sql" | "transactionSync">) {}

  /** Messages were committed: the index takes them in a little while, with the ones after them. */
  indexSoon() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      try {
        if (this.indexWaiting()) this.indexSoon();
      } catch (err) {
        // A room being wiped may have no index for a moment; what waits is indexed by the next commit or search.
        console.warn("the search index could not catch up", err);
      }
    }, INDEX_AFTER_MS);
  }

  /** Indexes up to `limit` of the messages the index does not hold yet; true when more wait. */
  indexWaiting(limit = INDEX_BATCH): boolean {
    return this.storage.transactionSync(() => this.#index(limit));
  }

  #index(limit: number): boolean {
    const { sql } = this.storage;
    const { up_to: upTo } = sql.exec<{ up_to: number }>("SELECT up_to FROM index_state").one();
    const { end } = sql
      .exec<{ end: number | null }>(
        "SELECT max(id) AS end FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)",
        upTo,
        limit,
      )
      .one();
    if (end === null) return false;
    sql.exec(
      `INSERT INTO message_index (rowid, content)
       SELECT id, ${INDEXED("content")} FROM messages
       WHERE id > ?1 AND id <= ?2 AND content IS NOT NULL AND deleted_at IS NULL`,
      upTo,
      end,
    );
    sql.exec("UPDATE index_state SET up_to = ?", end);
    return sql.exec("SELECT 1 FROM messages WHERE id > ? LIMIT 1", end).toArray().length > 0;
  }

  /** The room's messages that match, newest first, up to the limit, after `below` if given. */
  find(search: RoomSearch): RoomMatch[] {
    this.indexWaiting(EVERY);
    const rows = this.storage.sql
      .exec<MatchRow>(
        `SELECT m.id, m.sender_id, m.created_at, m.content,
           snippet(message_index, 0, ?1, ?2, '…', ?3) AS highlight
         FROM message_index JOIN messages m ON m.id = message_index.rowid
         WHERE message_index MATCH ?4 AND m.deleted_at IS NULL
           AND (?5 IS NULL OR m.sender_id = ?5)
           AND (?6 IS NULL OR m.created_at >= ?6)
           AND (?7 IS NULL OR m.created_at < ?7)
           AND (?8 IS NULL OR m.created_at < ?8 OR (m.created_at = ?8 AND m.id < ?9))
         ORDER BY m.created_at DESC, m.id DESC
         LIMIT ?10`,
        MATCH_START,
        MATCH_END,
        HIGHLIGHT_WORDS,
        matchExpression(search),
        search.senderId ?? null,
        search.after ?? null,
        search.before ?? null,
        search.below?.timestamp ?? null,
        search.below?.id ?? null,
        search.limit,
      )
      .toArray();
    return rows.map((row) => ({
      id: row.id,
      sender: row.sender_id,
      timestamp: row.created_at,
      content: row.content,
      highlight: row.highlight,
    }));
  }
}
