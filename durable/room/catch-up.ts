/**
 * Sending a socket what it missed: what came after `after` (nothing when absent), then
 * `caught_up`, then what was broadcast meanwhile (held for it by RoomSockets). A message
 * committed during the catch-up's reads may be in them or only among the held frames; each
 * goes out once, and all up to `last_id` before `caught_up`.
 */
import { database } from "../../core/db";
import { latestMessageId } from "../../core/db/messages";
import type { MessageRow } from "../../core/db/schema";
import type { RoomFrame } from "../../core/protocol";
import { toWireMessage } from "../../core/shapes";
import type { RoomContext } from "./context";
import type { History } from "./history";
import type { ReadMarks } from "./read-marks";
import type { Sequencer } from "./sequencer";
import type { RoomSockets } from "./sockets";

/** Most messages a catch-up sends; past it, `has_more` tells the client to page over REST. */
export const CATCH_UP_LIMIT = 1000;

export class CatchUp {
  constructor(
    private readonly room: RoomContext,
    private readonly sockets: RoomSockets,
    private readonly history: History,
    private readonly sequencer: Pick<Sequencer, "latestId">,
    private readonly reads: Pick<ReadMarks, "positions">,
  ) {}

  /**
   * Opens a new socket: `welcome`, its catch-up, then who is here. Without its catch-up the
   * socket cannot be trusted to be complete, so a failure closes it, and the client reconnects.
   */
  async welcome(ws: WebSocket, userId: number, after: number | undefined) {
    const { sockets } = this;
    try {
      const reads = await this.reads.positions();
      sockets.send(ws, { type: "welcome", room: this.room.roomId, you: userId, reads });
      await this.send(ws, after);
      sockets.send(ws, { type: "here", users: sockets.usersHere() });
    } catch (err) {
      console.error("room catch-up failed", err);
      sockets.release(ws);
      sockets.refuse(ws, "unavailable", "Could not catch up; reconnect.");
      ws.close(1011, "catch-up failed");
    }
  }

  /** Holds a socket's broadcasts at once, then runs its catch-up when `serialised` lets it. */
  async resume(ws: WebSocket, after: number, serialised: (work: () => Promise<void>) => Promise<void>) {
    this.sockets.hold(ws);
    await serialised(() => this.send(ws, after)).catch((err) => {
      this.sockets.release(ws);
      throw err;
    });
  }

  /** Sends a socket what it missed; run one at a time with the room's changes. */
  async send(ws: WebSocket, after: number | undefined) {
    const { sockets } = this;
    sockets.hold(ws);
    const committedBefore = this.sequencer.latestId;
    let rows: MessageRow[] = [];
    let hasMore = false;
    let last: number;
    if (after === undefined) {
      last = Math.max(committedBefore, await latestMessageId(database(this.room.env), this.room.roomId));
    } else {
      ({ rows, hasMore } = await this.history.page({ after, limit: CATCH_UP_LIMIT }));
      last = rows.at(-1)?.id ?? after;
    }
    const held = sockets.release(ws);
    const sent = new Set(rows.map((row) => row.id));
    for (const row of rows) sockets.send(ws, { type: "message", message: toWireMessage(row) });
    const isNew = (frame: RoomFrame) => frame.type === "message" && !sent.has(frame.message.id);
    for (const frame of held) {
      if (isNew(frame) && frame.type === "message" && frame.message.id <= last) {
        sent.add(frame.message.id);
        sockets.send(ws, frame);
      }
    }
    sockets.send(ws, { type: "caught_up", last_id: last, has_more: hasMore });
    for (const frame of held) if (frame.type !== "message" || isNew(frame)) sockets.send(ws, frame);
  }
}
