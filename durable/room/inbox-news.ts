/**
 * News of the room for its participants' inboxes, which show it to tabs looking elsewhere
 * and keep each participant's unread count and the room's latest message for the room list.
 * Messages go out in batches, at most one call per participant every INBOX_BATCH_MS: a busy
 * room then costs its members' inboxes a few calls a second rather than one per message each.
 * A send that waits for its news (REST's, whose answer promises the room list has it) hurries
 * its batch: it goes as soon as none is on its way, so under load batches follow each other as
 * fast as the inboxes answer instead of one per INBOX_BATCH_MS.
 * Read marks, edits, deletes and a new title go out as they happen; a delete sends each
 * participant their exact count. A participant whose inbox could not be told is owed an exact count, which the
 * alarm sends until it arrives.
 *
 * What news needs of the room (its title, kind and member ids) is kept in memory, so a
 * message costs D1 nothing: the worker tells the room of every change to them, which makes
 * it read them again (forgetRoom), as it does after an eviction.
 */
import { AttachmentLinks } from "../../core/attachments";
import { database } from "../../core/db";
import { roomForNews } from "../../core/db/rooms";
import type { WireMessage } from "../../core/protocol";
import { type Message, toMessage, toWireMessage } from "../../core/shapes";
import { inboxObject, messagesJson, type RoomSummary } from "../inbox";
import type { RoomContext } from "./context";
import type { MessageStore } from "./store";

/** How long news for the inboxes gathers before it goes out. */
const INBOX_BATCH_MS = 100;
/**
 * A batch for a large room goes to its inboxes a slice at a time, the slices spread over at
 * most NEWS_SPREAD_MS: fifty inboxes told at once took the CPU beside the room's messages
 * for milliseconds (locally, where they share its process), the p99 of a room of 50.
 */
const NEWS_SLICE = 10;
const NEWS_SPREAD_MS = 50;
/** How long after a failed delivery the owed counts are sent again (by the alarm, which outlives an eviction). */
export const OWED_RETRY_MS = 2000;

type NewsFacts = NonNullable<Awaited<ReturnType<typeof roomForNews>>>;

export class InboxNews {
  /** Messages that participants' inboxes have not heard of yet. */
  #queue: WireMessage[] = [];
  /** Settles once the queued batch has gone out (or its inboxes are owed an exact count). */
  #batchTold: PromiseWithResolvers<void> | undefined;
  #lastToldAt = 0;
  /** Batches on their way to the inboxes, and whether a send waits for the next one. */
  #sending = 0;
  #hurried = false;
  /** Whether a send waits for the queued batch: then it goes to every inbox at once, not spread. */
  #awaited = false;
  #facts: Promise<NewsFacts | undefined> | undefined;

  constructor(
    private readonly room: RoomContext,
    private readonly store: MessageStore,
    private readonly storage: Pick<DurableObjectStorage, "sql">,
    private readonly waitUntil: (work: Promise<unknown>) => void,
    /** Asks for the alarm no later than `at`, to send owed counts. */
    private readonly retryAt: (at: number) => Promise<void>,
    /** The users with a socket open on the room: they see its messages, so their inboxes push none. */
    private readonly watching: () => number[] = () => [],
    private readonly later: (run: () => void, ms: number) => void = setTimeout,
  ) {}

  /**
   * Queues a committed message for the next batch, which goes out at once in a quiet room
   * (so its previews do not lag), else INBOX_BATCH_MS after the last; `hurry`, as soon as
   * no batch is on its way. Settles once the batch has gone out.
   */
  tell(message: WireMessage, hurry = false): Promise<void> {
    this.#queue.push(message);
    if (this.#queue.length === 1) {
      this.#batchTold = Promise.withResolvers();
      this.#sendLater(Math.max(0, this.#lastToldAt + INBOX_BATCH_MS - Date.now()));
    }
    const told = this.#batchTold!.promise;
    if (hurry) this.#awaited = true;
    if (hurry && this.#sending > 0) this.#hurried = true;
    else if (hurry) this.#send();
    return told;
  }

  /** Queues the messages committed before an eviction that their inboxes had not heard of. */
  open() {
    const toldTo = this.storage.sql.exec<{ up_to: number }>("SELECT up_to FROM news_told").toArray()[0]?.up_to ?? 0;
    for (;;) {
      const after = Math.max(toldTo, this.#queue.at(-1)?.id ?? 0);
      const { rows, hasMore } = this.store.page({ after, limit: 100 }, "everything");
      const links = new AttachmentLinks(this.room.env.JWT_SECRET);
      for (const row of rows) this.tell(toWireMessage(row, links));
      if (!hasMore) return;
    }
  }

  /** A participant's exact unread count and the room's latest message, as their inbox keeps it. */
  summaryFor(userId: number): RoomSummary {
    const latest = this.store.page({ limit: 1 }).rows[0];
    return {
      unread: this.store.unreadFor(userId),
      mentions: this.store.unreadMentionsFor(userId),
      latest: latest ? toMessage(latest, new AttachmentLinks(this.room.env.JWT_SECRET)) : null,
      countedTo: latest?.id ?? 0,
      readTo: this.store.readPosition(userId),
    };
  }

  /** Sends these participants their exact counts; resolves once told or owed. */
  summarise(userIds: number[]): Promise<void> {
    return this.#toEach(userIds, (userId) =>
      inboxObject(this.room.env, userId).roomSummary(this.room.roomId, this.summaryFor(userId)),
    );
  }

  /**
   * An edit or delete may change every participant's preview, which their tabs hear of;
   * with `recount` (a delete, an edit of mentions), their counts change too.
   */
  changed(message: Message, recount: boolean) {
    const tell = async () => {
      const members = await this.#members();
      return this.#toEach(members, (userId) =>
        inboxObject(this.room.env, userId).messageChanged(message, recount ? this.summaryFor(userId) : undefined),
      );
    };
    this.waitUntil(tell().catch((err) => console.warn("inbox news of a change failed", err)));
  }

  /**
   * Messages up to `lastId` came in from elsewhere (a move, an import): they are not news
   * to tell, but every participant gets their exact count.
   */
  imported(lastId: number) {
    this.storage.sql.exec(
      "INSERT INTO news_told (only, up_to) VALUES (1, ?1) ON CONFLICT (only) DO UPDATE SET up_to = max(up_to, ?1)",
      lastId,
    );
    const tell = async () => this.summarise(await this.#members());
    this.waitUntil(tell().catch((err) => console.warn("inbox counts after an import failed", err)));
  }

  /** Sends the owed counts again; the alarm calls it while any are owed. */
  async sendOwed() {
    const owed = this.storage.sql.exec<{ user_id: number }>("SELECT user_id FROM owed_counts").toArray();
    if (owed.length === 0) return;
    this.storage.sql.exec("DELETE FROM owed_counts");
    await this.summarise(owed.map((row) => row.user_id));
  }

  /** The room's title, kind or members changed: the next news reads them again. */
  forgetRoom() {
    this.#facts = undefined;
  }

  /**
   * The room was renamed: its participants' tabs hear the new title at once. One that is
   * not told reads it with the room list's next refresh.
   */
  async renamed() {
    this.forgetRoom();
    const room = await this.#room();
    if (!room) return;
    const told = await Promise.allSettled(
      room.memberIds.map((userId) =>
        inboxObject(this.room.env, userId).push({ type: "room_renamed", room: this.room.roomId, title: room.title }),
      ),
    );
    const failed = told.filter((result) => result.status === "rejected").length;
    if (failed > 0) console.warn(`a new title did not reach ${failed} inboxes`);
  }

  /** Sends the queued batch after `ms`, unless it has gone by then. */
  #sendLater(ms: number) {
    const told = this.#batchTold;
    this.later(() => {
      if (this.#batchTold === told) this.#send();
    }, ms);
  }

  #send() {
    if (this.#queue.length === 0) return;
    this.#sending += 1;
    this.#hurried = false;
    const sent = this.#tellMessages().finally(() => {
      this.#sending -= 1;
      if (this.#hurried && this.#sending === 0) this.#send();
    });
    this.waitUntil(sent);
  }

  async #tellMessages() {
    this.#lastToldAt = Date.now();
    const batch = this.#queue.splice(0);
    const told = this.#batchTold!;
    const awaited = this.#awaited;
    this.#awaited = false;
    const since = this.store.page({ before: batch[0].id, limit: 1 }).rows[0]?.id ?? 0;
    let room: NewsFacts | undefined;
    try {
      room = await this.#room();
    } catch (err) {
      // The batch goes out with the next one, or on its own a little later.
      console.warn("inbox news could not read the room", err);
      const waiting = this.#queue.length;
      this.#queue.unshift(...batch);
      this.#awaited ||= awaited;
      if (waiting === 0) {
        this.#batchTold = told;
        this.#sendLater(OWED_RETRY_MS);
      } else this.#batchTold!.promise.then(told.resolve);
      return;
    }
    if (!room) return told.resolve();
    // Only a DM's first message opens anything.
    const opensDm = !room.isGroup && since === 0;
    // A thread's replies are news to the ones taking part in it (see threads.ts), only when the batch has any.
    const roots = batch.flatMap((message) => message.thread_root ?? []);
    const followers = roots.length > 0 ? this.store.threads.followers(roots) : undefined;
    const following = (userId: number) => roots.filter((root) => followers?.get(root)?.has(userId));
    const watching = new Set(this.watching());
    const news = messagesJson(batch);
    await this.#toEach(
      room.memberIds,
      (userId) =>
        inboxObject(this.room.env, userId).roomMessages(
          news,
          room.title,
          opensDm,
          since,
          following(userId),
          room.isGroup,
          watching.has(userId),
        ),
      !awaited,
    );
    // Told, or owed an exact count: either way these need not go out again.
    this.storage.sql.exec("INSERT OR REPLACE INTO news_told (only, up_to) VALUES (1, ?)", batch.at(-1)!.id);
    told.resolve();
  }

  /** Calls each participant's inbox, `spread` a slice at a time; the ones that fail are owed an exact count. */
  async #toEach(userIds: number[], call: (userId: number) => Promise<unknown>, spread = false) {
    const calls: Promise<unknown>[] = [];
    const slices = Math.ceil(userIds.length / NEWS_SLICE);
    for (let slice = 0; slice < slices; slice++) {
      if (slice > 0 && spread) await new Promise<void>((resolve) => this.later(resolve, NEWS_SPREAD_MS / (slices - 1)));
      calls.push(...userIds.slice(slice * NEWS_SLICE, (slice + 1) * NEWS_SLICE).map(call));
    }
    const results = await Promise.allSettled(calls);
    const failed = userIds.filter((_, i) => results[i].status === "rejected");
    if (failed.length === 0) return;
    console.warn(`inbox news failed for ${failed.length} participants; the alarm sends their counts`);
    for (const userId of failed)
      this.storage.sql.exec("INSERT OR IGNORE INTO owed_counts (user_id) VALUES (?)", userId);
    await this.retryAt(Date.now() + OWED_RETRY_MS);
  }

  async #members(): Promise<number[]> {
    return (await this.#room())?.memberIds ?? [];
  }

  /** The room's title, kind and members, from memory or, the first time and after a change, from D1. */
  #room(): Promise<NewsFacts | undefined> {
    if (this.#facts) return this.#facts;
    const reading = roomForNews(database(this.room.env), this.room.roomId);
    this.#facts = reading;
    // A failed read is not kept: the next news tries again.
    reading.catch(() => {
      if (this.#facts === reading) this.#facts = undefined;
    });
    return reading;
  }
}
