/**
 * The copy of the room's messages to D1, just behind the store: many messages a round trip,
 * because D1 is what REST pages, unread counts across a user's rooms and an import from the
 * original query. A copy that fails is tried again by the alarm; sends go on until
 * COPY_BACKLOG messages wait, then fail until D1 is back.
 *
 * The rooms-own-history issue removes this copy, so all of it is here and nowhere else.
 */
import { database } from "../../core/db";
import { copyMessages, MAX_MESSAGES_A_COPY } from "../../core/db/messages";
import type { RoomContext } from "./context";
import type { MessageStore } from "./store";

/** Messages that may wait for D1 before sends fail: D1 has been failing a while by then. */
export const COPY_BACKLOG = 2000;
/**
 * How long a committed message waits, at most, for others to share its copy to D1. Copying
 * each message at once, even only in quiet rooms, cost a room of 10 sending flat out a third
 * of its throughput: under load, rooms often look quiet between two acks.
 */
const COPY_AFTER_MS = 50;
/** How long after a failed copy the next is tried (by the alarm, which outlives an eviction). */
export const COPY_RETRY_MS = 2000;

export class D1Copy {
  /** Messages committed that D1 does not have yet. */
  #pending = 0;
  /** The copies run one after another; #nextFlush is the one not started yet, which new messages join. */
  #flushes: Promise<unknown> = Promise.resolve();
  #nextFlush: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** After a failed copy, new messages leave the next try to the alarm rather than each trying. */
  #pausedUntil = 0;

  constructor(
    private readonly room: RoomContext,
    private readonly store: MessageStore,
    /** Asks for the alarm no later than `at`, to try a failed copy again. */
    private readonly retryAt: (at: number) => Promise<void>,
  ) {
    this.recount();
  }

  /** Reads how many messages wait for D1 from the store (on opening, and after a wipe). */
  recount() {
    this.#pending = this.store.countUncopied();
  }

  get pending(): number {
    return this.#pending;
  }

  /** Whether so many messages wait for D1 that no more may be committed. */
  get isBacklogged(): boolean {
    return this.#pending >= COPY_BACKLOG;
  }

  /** A message was committed to the store: D1 gets it shortly. */
  committed() {
    this.#pending += 1;
    this.copySoon();
  }

  /**
   * Copies to D1 in COPY_AFTER_MS, which gathers a busy room's messages into few copies.
   * Whatever needs D1 to have them sooner (a REST send, an edit, a read mark, inbox news)
   * asks for a flush itself. Nothing is started when a copy is due already, or while copies
   * are paused after a failure.
   */
  copySoon() {
    if (this.#timer !== undefined || this.#nextFlush || Date.now() < this.#pausedUntil) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(async (err) => {
        console.warn("copy to D1 failed; the alarm tries again", err);
        this.#pausedUntil = Date.now() + COPY_RETRY_MS;
        await this.retryAt(this.#pausedUntil);
      });
    }, COPY_AFTER_MS);
  }

  /** Resolves once D1 has every message committed so far; rejects if the copy fails. */
  flush(): Promise<void> {
    if (this.#nextFlush) return this.#nextFlush;
    const flush = this.#flushes.then(() => {
      this.#nextFlush = undefined;
      return this.#copyToD1();
    });
    this.#nextFlush = flush;
    this.#flushes = flush.catch(() => undefined);
    return flush;
  }

  /** Copies what D1 does not have yet, in order, MAX_MESSAGES_A_COPY a round trip. */
  async #copyToD1() {
    for (;;) {
      const messages = this.store.uncopied(MAX_MESSAGES_A_COPY);
      if (messages.length === 0) return;
      await copyMessages(database(this.room.env), this.room.roomId, messages);
      // Ids only rise, so every uncopied message up to the last copied was in this copy.
      this.store.markCopied(messages.at(-1)!.id);
      this.recount();
      this.#pausedUntil = 0;
    }
  }
}
