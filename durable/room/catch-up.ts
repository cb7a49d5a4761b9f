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
import { toMessage } from "../../core/shapes";
import type { RoomContext } from "./context";
import type { History } from "./history";
import type { Sequencer } from "./sequencer";
import type { RoomSockets } from "./sockets";

/** Most messages a catch-up sends; past it, `has_more` tells the client to page over REST. */
export const CATCH_UP_LIMIT = 1000;

export type CatchUpParts = {
  room: RoomContext;
  sockets: RoomSockets;
  history: History;
  sequencer: Pick<Sequencer, "latestId">;
};

/** Sends a socket what it missed; run one at a time with the room's changes. */
export async function catchUp(parts: CatchUpParts, ws: WebSocket, after: number | undefined) {
  const { sockets } = parts;
  sockets.hold(ws);
  const committedBefore = parts.sequencer.latestId;
  let rows: MessageRow[] = [];
  let hasMore = false;
  let last: number;
  if (after === undefined) {
    last = Math.max(committedBefore, await latestMessageId(database(parts.room.env), parts.room.roomId));
  } else {
    ({ rows, hasMore } = await parts.history.page({ after, limit: CATCH_UP_LIMIT }));
    last = rows.at(-1)?.id ?? after;
  }
  const held = sockets.release(ws);
  const sent = new Set(rows.map((row) => row.id));
  for (const row of rows) sockets.send(ws, { type: "message", message: toMessage(row) });
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
