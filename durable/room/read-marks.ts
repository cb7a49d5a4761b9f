/**
 * Read marks: how far each participant has read, for their other tabs, for "seen by", and
 * for their inbox's unread counts. The positions and counts are D1's.
 */
import { database } from "../../core/db";
import { latestMessageId, unreadCounts } from "../../core/db/messages";
import { markRead, readPositions } from "../../core/db/reads";
import type { RoomFrame } from "../../core/protocol";
import { inboxObject } from "../inbox";
import type { RoomContext } from "./context";

export class ReadMarks {
  constructor(
    private readonly room: RoomContext,
    /** Resolves once D1 has every message committed. */
    private readonly flush: () => Promise<void>,
    private readonly broadcast: (frame: RoomFrame) => void,
  ) {}

  /** Every participant's read position, for a socket's welcome. */
  positions() {
    return readPositions(database(this.room.env), this.room.roomId);
  }

  /** Marks the room read by a user up to a message (or its latest, if that is lower). */
  async mark(userId: number, upTo: number) {
    await this.flush();
    const db = database(this.room.env);
    const { roomId } = this.room;
    const position = Math.min(upTo, await latestMessageId(db, roomId));
    if (!(await markRead(db, roomId, userId, position))) return;
    this.broadcast({ type: "read", user: userId, up_to: position });
    const unread = await unreadCounts(db, userId, roomId);
    await inboxObject(this.room.env, userId).push({ type: "unread", counts: unread });
  }
}
