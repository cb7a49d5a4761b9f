/**
 * Replies and threads. A message may quote another of the room (`reply_to`) or reply in a
 * root message's thread (`thread_root`); threads are one level deep, so a root is never a
 * thread reply. A root's summary (how many replies, the latest's time, who replied) is read
 * from its replies when a message is answered, never kept beside them: it is exact after
 * any reply or delete without anything to keep in step. A plain send costs none of this:
 * the checks run only for a send that quotes or replies in a thread, the summaries only for
 * a page or a group that holds such messages.
 */
import type { MessageRow, Quote, ThreadSummary } from "../../core/history";
import { QUOTE_EXCERPT_LENGTH, type RoomFrame } from "../../core/protocol";

/** What a send says of replies; both optional. */
export type ReplyInput = { replyTo?: number; thread?: number };
/** A send's reply checked: the quote it carries, or what is wrong in REST's `fields` form. */
export type ReplyCheck = { ok: true; quote?: Quote } | { ok: false; error: "invalid"; fields: Record<string, string> };

/** Why a quoted message or a thread's root is refused when it is not there. */
export const NOT_IN_ROOM = "must be a message of this room that is not deleted";

type Referenced = { id: number; sender_id: number; thread_root: number | null; deleted_at: string | null };

export class Threads {
  constructor(private readonly sql: SqlStorage) {}

  /** A quoted message must be this room's and not deleted; a thread's root too, and not itself a reply. */
  check(input: ReplyInput): ReplyCheck {
    let quote: Quote | undefined;
    if (input.replyTo !== undefined) {
      const quoted = this.#referenced(input.replyTo);
      if (!quoted || quoted.deleted_at !== null) return refused("reply_to", NOT_IN_ROOM);
      quote = this.quotes([quoted.id]).get(quoted.id);
    }
    if (input.thread !== undefined) {
      const root = this.#referenced(input.thread);
      if (!root || root.deleted_at !== null) return refused("thread", NOT_IN_ROOM);
      if (root.thread_root !== null) return refused("thread", "must be a thread's root, not a reply in one");
    }
    return quote ? { ok: true, quote } : { ok: true };
  }

  /** The messages these ids name, as quotes read now. */
  quotes(ids: number[]): Map<number, Quote> {
    const rows = this.sql
      .exec<{ id: number; sender_id: number; excerpt: string | null; deleted_at: string | null }>(
        `SELECT id, sender_id, substr(content, 1, ${QUOTE_EXCERPT_LENGTH}) AS excerpt, deleted_at FROM messages
         WHERE id IN (${ids.map(() => "?").join(", ")})`,
        ...ids,
      )
      .toArray();
    return new Map(
      rows.map((row) => [
        row.id,
        { id: row.id, sender: row.sender_id, excerpt: row.excerpt ?? "", deleted: row.deleted_at !== null },
      ]),
    );
  }

  /** The summaries of the threads whose roots lie between two ids; a root without replies has none. */
  summaries(firstId: number, lastId: number): Map<number, ThreadSummary> {
    const rows = this.sql
      .exec<{ root: number; sender_id: number; replies: number; last_at: string }>(
        `SELECT thread_root AS root, sender_id, count(*) AS replies, max(created_at) AS last_at FROM messages
         WHERE thread_root BETWEEN ? AND ? AND deleted_at IS NULL
         GROUP BY thread_root, sender_id ORDER BY thread_root, min(id)`,
        firstId,
        lastId,
      )
      .toArray();
    const summaries = new Map<number, ThreadSummary>();
    for (const row of rows) {
      const summary = summaries.get(row.root) ?? { reply_count: 0, last_reply_at: row.last_at, participants: [] };
      summary.reply_count += row.replies;
      if (row.last_at > summary.last_reply_at) summary.last_reply_at = row.last_at;
      summary.participants.push(row.sender_id);
      summaries.set(row.root, summary);
    }
    return summaries;
  }

  /** Gives rows their quotes and, the roots among them, their thread summaries; `quoted` holds each row's reply_to. */
  decorate(rows: MessageRow[], quoted: (number | null)[]): MessageRow[] {
    const quoteIds = quoted.filter((id) => id !== null);
    const quotes = quoteIds.length > 0 ? this.quotes([...new Set(quoteIds)]) : undefined;
    const roots = rows.filter((row) => row.threadRoot === undefined);
    const summaries = roots.length > 0 ? this.summaries(roots[0].id, roots.at(-1)!.id) : undefined;
    return rows.map((row, i) => {
      const quote = quoted[i] === null ? undefined : quotes?.get(quoted[i]);
      const thread = summaries?.get(row.id);
      if (!quote && !thread) return row;
      return { ...row, ...(quote && { replyTo: quote }), ...(thread && { thread }) };
    });
  }

  /** `thread_updated` for each root that these messages reply in, with its summary now. */
  updates(messages: readonly { thread_root?: number }[]): RoomFrame[] {
    const roots = new Set(messages.flatMap((message) => message.thread_root ?? []));
    return [...roots].map((root) => {
      const thread = this.summaries(root, root).get(root);
      return thread ? { type: "thread_updated", root, thread } : { type: "thread_updated", root };
    });
  }

  /** Whether a message of this room is a thread's root (a message that is not a reply). */
  isRoot(id: number): boolean {
    const row = this.#referenced(id);
    return row !== undefined && row.thread_root === null;
  }

  /** Who takes part in each of these threads: its root's author and everyone who replied. */
  followers(roots: number[]): Map<number, Set<number>> {
    const followers = new Map<number, Set<number>>();
    for (const root of new Set(roots)) {
      const rows = this.sql
        .exec<{ sender_id: number }>("SELECT DISTINCT sender_id FROM messages WHERE id = ?1 OR thread_root = ?1", root)
        .toArray();
      followers.set(root, new Set(rows.map((row) => row.sender_id)));
    }
    return followers;
  }

  #referenced(id: number): Referenced | undefined {
    return this.sql
      .exec<Referenced>("SELECT id, sender_id, thread_root, deleted_at FROM messages WHERE id = ?", id)
      .toArray()[0];
  }
}

function refused(field: "reply_to" | "thread", why: string): ReplyCheck {
  return { ok: false, error: "invalid", fields: { [field]: why } };
}
