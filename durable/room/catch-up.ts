/**
 * Sending a socket what it missed: what came after `after` (nothing when absent), thread
 * replies included, then the summaries of the threads they are in; with `changes` (the count
 * the client's last `caught_up` gave), the messages it had that changed since, each as it
 * stands now (`message_edited`, or `message_deleted`): edits, deletes, previews, reactions;
 * then `caught_up` with the count now and the timeline notes since `after`. It reads the
 * store in one turn, so what is broadcast afterwards follows `caught_up` and nothing is sent
 * twice or skipped.
 */
import { AttachmentLinks } from "../../core/attachments";
import type { MessageRow } from "../../core/history";
import { toWireMessage } from "../../core/shapes";
import type { RoomContext } from "./context";
import type { TimelineNotes } from "./notes";
import type { ReadMarks } from "./read-marks";
import type { RoomSockets } from "./sockets";
import type { MessageStore } from "./store";

/** Most messages a catch-up sends; past it, `has_more` tells the client to page over REST. */
export const CATCH_UP_LIMIT = 1000;

export class CatchUp {
  constructor(
    private readonly room: RoomContext,
    private readonly sockets: RoomSockets,
    private readonly store: MessageStore,
    private readonly reads: Pick<ReadMarks, "positions">,
    /** The rows as the room shows them (with their reactions). */
    private readonly shown: (rows: MessageRow[]) => MessageRow[],
    private readonly notes: Pick<TimelineNotes, "within">,
  ) {}

  /**
   * Opens a new socket: `welcome`, its catch-up, then who is here. Without its catch-up the
   * socket cannot be trusted to be complete, so a failure closes it, and the client reconnects.
   */
  welcome(ws: WebSocket, userId: number, after: number | undefined, changes?: number) {
    const { sockets } = this;
    try {
      const reads = this.reads.positions();
      sockets.send(ws, { type: "welcome", room: this.room.roomId, you: userId, reads });
      this.send(ws, after, changes);
      sockets.send(ws, { type: "here", users: sockets.usersHere() });
    } catch (err) {
      console.error("room catch-up failed", err);
      sockets.refuse(ws, "unavailable", "Could not catch up; reconnect.");
      ws.close(1011, "catch-up failed");
    }
  }

  /** Sends a socket what it missed. */
  send(ws: WebSocket, after: number | undefined, changes?: number) {
    const { sockets } = this;
    let rows: MessageRow[] = [];
    let hasMore = false;
    let last: number;
    if (after === undefined) last = this.store.latestId();
    else {
      ({ rows, hasMore } = this.store.page({ after, limit: CATCH_UP_LIMIT }, "everything"));
      last = rows.at(-1)?.id ?? after;
    }
    const links = new AttachmentLinks(this.room.env.JWT_SECRET);
    const messages = this.shown(rows).map((row) => toWireMessage(row, links));
    for (const message of messages) sockets.send(ws, { type: "message", message });
    for (const frame of this.store.threads.updates(messages)) sockets.send(ws, frame);
    if (after !== undefined && changes !== undefined) {
      for (const row of this.shown(this.store.changedSince(changes, after, CATCH_UP_LIMIT))) {
        const message = toWireMessage(row, links);
        sockets.send(ws, { type: message.deleted ? "message_deleted" : "message_edited", message });
      }
    }
    // Without `after` the client read its latest page over REST, which carried its notes.
    const notes = after === undefined ? [] : this.notes.within({ from: after, to: hasMore ? last : undefined });
    const caughtUp = {
      type: "caught_up",
      last_id: last,
      has_more: hasMore,
      changes: this.store.latestChange(),
    } as const;
    sockets.send(ws, notes.length > 0 ? { ...caughtUp, notes } : caughtUp);
  }
}
