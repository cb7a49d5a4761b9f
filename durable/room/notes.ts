/**
 * The room's timeline notes: each change to its members or title (a join and who added
 * them, a leave, a removal and who removed them, a rename and who made it), kept with its
 * time and its place in the history, the room's latest message when it happened. History
 * pages and catch-ups carry the notes within them and the live frames carry each new one,
 * all the same note by its id, so a client shows it once, where it happened, after a reload too.
 */
import { now } from "../../core/db";
import type { HistoryQuery } from "../../core/history";
import type { RoomNote } from "../../core/protocol";

/** Most notes one page or catch-up carries: the latest of those within it. */
export const MAX_NOTES_PER_PAGE = 100;

/** A change as the room hears it from the worker, before it is placed and numbered. */
export type NoteChange =
  | { kind: "joined"; user: number; by?: number }
  | { kind: "left"; user: number }
  | { kind: "removed"; user: number; by: number }
  | { kind: "renamed"; title: string; by: number };

/** The notes of a stretch of history: placed after a message from `from` on, and before `to` (no end when absent). */
export type NoteRange = { from: number; to?: number };

type NoteRow = {
  id: number;
  after_id: number;
  created_at: string;
  kind: RoomNote["kind"];
  user_id: number | null;
  by_id: number | null;
  title: string | null;
};

export class TimelineNotes {
  constructor(
    private readonly sql: SqlStorage,
    /** The room's latest message id, or 0: a new note comes after it. */
    private readonly latestId: () => number,
  ) {}

  /** Keeps a change after the room's latest message; answers it as pages and frames carry it. */
  record(change: NoteChange): RoomNote {
    const row = this.sql
      .exec<NoteRow>(
        "INSERT INTO notes (after_id, created_at, kind, user_id, by_id, title) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        this.latestId(),
        now(),
        change.kind,
        "user" in change ? change.user : null,
        "by" in change ? (change.by ?? null) : null,
        change.kind === "renamed" ? change.title : null,
      )
      .one();
    return asNote(row);
  }

  /** The notes within `range`, oldest first: the latest MAX_NOTES_PER_PAGE of them at most. */
  within(range: NoteRange): RoomNote[] {
    const rows = this.sql
      .exec<NoteRow>(
        "SELECT * FROM notes WHERE after_id >= ? AND after_id < ? ORDER BY after_id DESC, id DESC LIMIT ?",
        range.from,
        range.to ?? Number.MAX_SAFE_INTEGER,
        MAX_NOTES_PER_PAGE,
      )
      .toArray();
    return rows.reverse().map(asNote);
  }
}

/**
 * The notes a page of messages (oldest first) holds: from its first message, or from the
 * start when nothing is older (from its cursor, paging newer); up to the message it was
 * read before, or its last message when more lie newer (to the end when nothing does).
 * So pages next to each other share no note and leave none out between them.
 */
export function pageRange(page: HistoryQuery, ids: readonly number[], hasMore: boolean): NoteRange {
  const [first, last] = [ids[0], ids.at(-1)];
  if (page.after !== undefined) return { from: page.after, to: hasMore && last !== undefined ? last : undefined };
  return { from: hasMore && first !== undefined ? first : 0, to: page.before };
}

function asNote(row: NoteRow): RoomNote {
  const place = { id: row.id, after: row.after_id, timestamp: row.created_at };
  switch (row.kind) {
    case "joined":
      return { ...place, kind: "joined", user: row.user_id!, ...(row.by_id === null ? {} : { by: row.by_id }) };
    case "left":
      return { ...place, kind: "left", user: row.user_id! };
    case "removed":
      return { ...place, kind: "removed", user: row.user_id!, by: row.by_id! };
    case "renamed":
      return { ...place, kind: "renamed", title: row.title!, by: row.by_id! };
  }
}
