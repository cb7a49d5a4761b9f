/**
 * Writing an import's rooms, shared by the importers (from condor_chat and from Slack): in
 * batches of about BATCH_BYTES of SQL, each room whole or not at all, as people see it.
 * First its row without members and its ids' blocks, in one transaction (nobody sees a room
 * without members, and no other room can be given its id or its messages' ids), then its
 * messages, read positions and reactions into its object through the worker's admin routes,
 * and last its members. A run that stops half-way leaves rooms without members, which the
 * next run finishes; what an object holds already is kept.
 */
import { type AdminWorker, adminRequest } from "../worker-admin.ts";
import { type D1Target, executeFile } from "../wrangler-d1.ts";
import { roomImports } from "./messages.ts";
import type { MessageBlock, NewRoom } from "./records.ts";
import { blockStatements, memberStatements, roomStatements } from "./statements.ts";

/** How much SQL goes in one transaction when rooms are small; a bigger room goes alone. */
const BATCH_BYTES = 2 * 1024 * 1024;

/** The rooms in batches of about BATCH_BYTES of SQL, a room never split across two. */
function roomBatches<Room extends NewRoom>(rooms: Room[]): Room[][] {
  const batches: { rooms: Room[]; bytes: number }[] = [];
  for (const room of rooms) {
    const bytes = [...roomStatements(room), ...memberStatements(room)].reduce((sum, sql) => sum + sql.length, 0);
    const current = batches.at(-1);
    if (current && current.bytes + bytes <= BATCH_BYTES) {
      current.rooms.push(room);
      current.bytes += bytes;
    } else {
      batches.push({ rooms: [room], bytes });
    }
  }
  return batches.map((batch) => batch.rooms);
}

/** Puts a room's messages, read positions and reactions into its object; refuses to go on unless it holds them all. */
async function fillRoom<Room extends NewRoom>(
  worker: AdminWorker,
  room: Room,
  sent?: (room: Room, messages: number) => void,
) {
  let messages = 0;
  for (const request of roomImports(room)) {
    const { held } = await adminRequest<{ held: number }>(worker, "POST", `/rooms/${room.id}/messages`, request);
    if (held !== request.messages.length) {
      throw new Error(`Room ${room.id} holds ${held} of the ${request.messages.length} messages sent to it.`);
    }
    messages += request.messages.length;
    if (request.messages.length > 0) sent?.(room, messages);
  }
}

export type RoomsWriting<Room extends NewRoom> = {
  target: D1Target;
  /** Needed as soon as a room has messages. */
  worker?: AdminWorker;
  blocks: MessageBlock[];
  /** Told of each batch once it is written whole. */
  written: (rooms: Room[]) => void;
  /** Told how many of a room's messages its object holds, after each request that gave it some. */
  sent?: (room: Room, messages: number) => void;
  /** What was written before the rooms, for the message of a failure. */
  before: () => string;
};

export async function writeRooms<Room extends NewRoom>(
  rooms: Room[],
  { target, worker, blocks, written, before, sent }: RoomsWriting<Room>,
) {
  for (const batch of roomBatches(rooms)) {
    try {
      // The rooms' ids and their messages' ids are claimed first, while nobody can see the rooms.
      const ids = new Set(batch.map((room) => room.id));
      const claims = [
        ...batch.flatMap(roomStatements),
        ...blockStatements(blocks.filter((block) => ids.has(block.roomId))),
      ];
      if (claims.length > 0) executeFile(target, claims);
      for (const room of batch) if (worker) await fillRoom(worker, room, sent);
      executeFile(target, batch.flatMap(memberStatements));
    } catch (error) {
      const list = batch.map((room) => room.id).join(", ");
      throw new Error(
        `${(error as Error).message}\nRooms ${list} were not imported: they have no members yet, so nobody sees them. ` +
          `Written before that: ${before()}. Run the command again to import the rest.`,
      );
    }
    written(batch);
  }
}
