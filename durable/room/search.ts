/**
 * Search of the room's messages, in its full-text index (FTS5, schema version 3). The query
 * comes parsed (core/search/query.ts); each of its words goes into the match as a quoted
 * string of letters and digits, so nothing a person types is read as FTS5 syntax.
 */
import { MATCH_END, MATCH_START } from "../../core/protocol-constants";
import type { SearchTerm } from "../../core/search/query";
import type { RoomMatch, RoomSearch } from "../../core/search/results";

/** Words of a long message a highlight keeps around its matches (FTS5 allows up to 64). */
const HIGHLIGHT_WORDS = 32;

type MatchRow = { id: number; sender_id: number; created_at: string; content: string; highlight: string };

/** A term as an FTS5 string: its words in quotes (they hold no quote), `*` when its last word is a prefix. */
const phrase = (term: SearchTerm) => `"${term.words.join(" ")}"${term.prefix ? "*" : ""}`;

/** The FTS5 match of a query: every term, and none of the excluded ones. */
export function matchExpression(search: Pick<RoomSearch, "terms" | "excluded">): string {
  const all = `(${search.terms.map(phrase).join(" AND ")})`;
  return [all, ...search.excluded.map(phrase)].join(" NOT ");
}

export class MessageSearch {
  constructor(private readonly storage: Pick<DurableObjectStorage, "sql">) {}

  /** The room's messages that match, newest first, up to the limit, after `below` if given. */
  find(search: RoomSearch): RoomMatch[] {
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
