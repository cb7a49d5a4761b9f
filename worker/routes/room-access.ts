/**
 * What every room route needs first: the room, the caller's place in it, and the room as
 * the API shows it (its participants and its latest messages, oldest first).
 */

import { type Database, database } from "../../core/db";
import { findMember, findRoom, type Member, participantsOf } from "../../core/db/rooms";
import type { RoomRow, UserRow } from "../../core/db/schema";
import { forbidden, notFound } from "../../core/errors";
import { type Room, toMessage, toRoom } from "../../core/shapes";
import { roomObject } from "../../durable/room";
import { userAnswers } from "./user-answer";

/** How many of its latest messages a room answer carries; older ones are paged. */
export const ROOM_ANSWER_MESSAGES = 50;

/** The room and the caller's membership; 404 if there is no such room, 403 if not a participant. */
export async function roomOfMember(
  db: Database,
  roomId: number,
  user: UserRow,
): Promise<{ room: RoomRow; member: Member }> {
  const [room, member] = await Promise.all([findRoom(db, roomId), findMember(db, roomId, user.id)]);
  if (!room) throw notFound("Room not found.");
  if (!member) throw forbidden("You are not a participant of this room.");
  return { room, member };
}

/**
 * A room its owner, or any superuser (member or not), may rename, delete or remove people
 * from; the participants of a DM also pass, and the route refuses what a DM cannot do.
 */
export async function roomToManage(db: Database, roomId: number, user: UserRow): Promise<RoomRow> {
  const [room, member] = await Promise.all([findRoom(db, roomId), findMember(db, roomId, user.id)]);
  if (!room) throw notFound("Room not found.");
  if (user.isSuperuser || member?.role === "owner") return room;
  // A DM has no owner; its participants get through so that each route can say what a DM
  // does not allow, rather than a bare "not yours".
  if (!room.isGroup && member) return room;
  throw forbidden(
    member ? "Only the room's creator or a superuser can do that." : "You are not a participant of this room.",
  );
}

/**
 * A room as the API answers it, with its latest messages: read through the room's object,
 * which has the ones D1 does not have yet.
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
