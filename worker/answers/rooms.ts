/**
 * A room as the API answers it: its participants and its latest messages, oldest first.
 */
import { database } from "../../core/db";
import { participantsOf } from "../../core/db/rooms";
import type { RoomRow } from "../../core/db/schema";
import { type Room, toMessage, toRoom } from "../../core/shapes";
import { roomObject } from "../../durable/room";
import { userAnswers } from "./users";

/** How many of its latest messages a room answer carries; older ones are paged. */
export const ROOM_ANSWER_MESSAGES = 50;

/**
 * Read through the room's object, which has the messages D1 does not have yet.
 */
export async function roomAnswer(env: Env, room: RoomRow, origin: string): Promise<Room> {
  const db = database(env);
  const [people, { rows }] = await Promise.all([
    participantsOf(db, [room.id]),
    roomObject(env, room.id).history({ limit: ROOM_ANSWER_MESSAGES }),
  ]);
  const { participants, owner } = people.get(room.id)!;
  return toRoom(room, await userAnswers(env, origin, participants), owner, rows.map(toMessage));
}
