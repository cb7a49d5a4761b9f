/**
 * News of the room's messages for its participants' inboxes, so tabs looking elsewhere can
 * show them. It goes out in batches, at most one call per participant every INBOX_BATCH_MS:
 * a busy room then costs its members' inboxes a few calls a second rather than one per
 * message each.
 *
 * What news needs of the room (its title, kind and member ids) is kept in memory, so a
 * message costs D1 nothing more: the worker tells the room of every change to them, which
 * drops the copy (forgetRoom), and after an eviction it is read again on the next news.
 */
import { database } from "../../core/db";
import { roomForNews } from "../../core/db/rooms";
import type { WireMessage } from "../../core/protocol";
import { inboxObject } from "../inbox";
import type { RoomContext } from "./context";
import type { History } from "./history";

/** How long news for the inboxes gathers before it goes out. */
const INBOX_BATCH_MS = 100;

type NewsFacts = NonNullable<Awaited<ReturnType<typeof roomForNews>>>;

export class InboxNews {
  /** Messages that participants' inboxes have not heard of yet. */
  #queue: WireMessage[] = [];
  #facts: Promise<NewsFacts | undefined> | undefined;
  /** Set once this DM has had news told: nothing later can be its first message. */
  #dmOpened = false;

  constructor(
    private readonly room: RoomContext,
    private readonly history: History,
    /** Resolves once D1 has every message: inboxes count unread messages in D1. */
    private readonly flush: () => Promise<void>,
    private readonly waitUntil: (work: Promise<unknown>) => void,
  ) {}

  /** Queues a committed message for the next batch. */
  tell(message: WireMessage) {
    this.#queue.push(message);
    if (this.#queue.length > 1) return;
    setTimeout(() => {
      this.waitUntil(this.#tellInboxes().catch((err) => console.warn("inbox news failed", err)));
    }, INBOX_BATCH_MS);
  }

  /** The room's title, kind or members changed: the next news reads them again. */
  forgetRoom() {
    this.#facts = undefined;
  }

  /** The room was wiped. */
  forget() {
    this.#facts = undefined;
    this.#dmOpened = false;
  }

  async #tellInboxes() {
    const batch = this.#queue.splice(0);
    // Inboxes count these once D1 has them, or, if the copy fails, once it has been tried again.
    await this.flush().catch(() => undefined);
    const room = await this.#room();
    if (!room) return;
    // Only a DM's first message opens anything; a group's news, and a DM's once it has had
    // some, cost no look at its history.
    const opensDm =
      !room.isGroup &&
      !this.#dmOpened &&
      (await this.history.page({ before: batch[0].id, limit: 1 })).rows.length === 0;
    if (!room.isGroup) this.#dmOpened = true;
    await Promise.all(
      room.memberIds.map((userId) =>
        inboxObject(this.room.env, userId)
          .roomMessages(batch, room.title, opensDm)
          .catch((err) => console.warn("inbox notification failed", err)),
      ),
    );
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
