/**
 * Read marks: how far each participant has read, for their other tabs, for "seen by", and
 * for their inbox's unread counts. The store keeps them.
 */
import type { RoomFrame } from "../../core/protocol";
import type { InboxNews } from "./inbox-news";
import type { MessageStore } from "./store";

export class ReadMarks {
  constructor(
    private readonly store: MessageStore,
    private readonly news: Pick<InboxNews, "summarise">,
    private readonly broadcast: (frame: RoomFrame) => void,
  ) {}

  /** Every participant's read position, for a socket's welcome. */
  positions() {
    return this.store.readPositions();
  }

  /** Marks the room read by a user up to a message (or its latest, if that is lower). */
  async mark(userId: number, upTo: number) {
    const position = Math.min(upTo, this.store.latestId());
    if (!this.store.markRead(userId, position)) return;
    this.broadcast({ type: "read", user: userId, up_to: position });
    await this.news.summarise([userId]);
  }
}
