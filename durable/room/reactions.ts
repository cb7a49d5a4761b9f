/**
 * Reactions to the room's messages: each member's own, one emoji at a time. A change goes
 * to every socket as one `reaction` frame, the same for all, so the fan-out does no work
 * per socket; who reacted travels with it and each client sees for itself what is its own.
 */
import { now } from "../../core/db";
import type { MessageRow, ReactionTally } from "../../core/history";
import { MAX_REACTIONS_PER_MESSAGE, type RoomFrame } from "../../core/protocol";
import type { MessageStore } from "./store";

export type ReactionInput = { userId: number; messageId: number; emoji: string; add: boolean };
export type ReactionResult = { ok: true; row: MessageRow } | { ok: false; error: "not_found" | "invalid"; why: string };

type ReactionRow = { message_id: number; emoji: string; user_id: number };

export class MessageReactions {
  constructor(
    private readonly storage: Pick<DurableObjectStorage, "sql">,
    private readonly store: MessageStore,
    private readonly broadcast: (frame: RoomFrame) => void,
  ) {}

  get #sql() {
    return this.storage.sql;
  }

  /**
   * Adds or takes back the user's reaction; doing what is done already changes nothing and
   * tells no one. Answers the message with its reactions.
   */
  react(input: ReactionInput): ReactionResult {
    const { userId, messageId, emoji, add } = input;
    const row = this.store.find(messageId);
    if (!row || row.deletedAt !== null) return { ok: false, error: "not_found", why: "No such message in this room." };
    if (add && this.#isNewEmoji(messageId, emoji) && this.#emojiCount(messageId) >= MAX_REACTIONS_PER_MESSAGE) {
      const why = `A message can carry at most ${MAX_REACTIONS_PER_MESSAGE} different reactions.`;
      return { ok: false, error: "invalid", why };
    }
    const { rowsWritten } = add
      ? this.#sql.exec(
          "INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          messageId,
          emoji,
          userId,
          now(),
        )
      : this.#sql.exec(
          "DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
          messageId,
          emoji,
          userId,
        );
    if (rowsWritten > 0) this.broadcast({ type: "reaction", message: messageId, emoji, user: userId, added: add });
    return { ok: true, row: this.attach([row])[0] };
  }

  /** The rows with their reactions: one read of the id range they span. */
  attach(rows: MessageRow[]): MessageRow[] {
    if (rows.length === 0) return rows;
    const ids = rows.map((row) => row.id);
    const found = this.#sql
      .exec<ReactionRow>(
        "SELECT message_id, emoji, user_id FROM reactions WHERE message_id BETWEEN ? AND ? ORDER BY rowid",
        Math.min(...ids),
        Math.max(...ids),
      )
      .toArray();
    if (found.length === 0) return rows;
    const byMessage = new Map<number, Map<string, number[]>>();
    for (const { message_id, emoji, user_id } of found) {
      const tallies = byMessage.get(message_id) ?? new Map<string, number[]>();
      byMessage.set(message_id, tallies);
      tallies.set(emoji, [...(tallies.get(emoji) ?? []), user_id]);
    }
    return rows.map((row) => {
      const tallies = byMessage.get(row.id);
      if (!tallies) return row;
      const reactions: ReactionTally[] = [...tallies].map(([emoji, users]) => ({ emoji, users }));
      return { ...row, reactions };
    });
  }

  #isNewEmoji(messageId: number, emoji: string): boolean {
    return (
      this.#sql.exec("SELECT 1 FROM reactions WHERE message_id = ? AND emoji = ? LIMIT 1", messageId, emoji).toArray()
        .length === 0
    );
  }

  #emojiCount(messageId: number): number {
    return this.#sql
      .exec<{ n: number }>("SELECT count(DISTINCT emoji) AS n FROM reactions WHERE message_id = ?", messageId)
      .one().n;
  }
}
