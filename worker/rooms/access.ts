/**
 * What every room route asks first: is there such a room, and may this caller do this to
 * it? The answer is core/policy's; this file only loads what the policy needs to know.
 */

import type { Database } from "../../core/db";
import { findMember, findRoom, type Member } from "../../core/db/rooms";
import type { RoomRow, UserRow } from "../../core/db/schema";
import { forbidden, notFound } from "../../core/errors";
import { canAddMembers, canManage, canPost, canRead, canRemoveMember } from "../../core/policy";

type Question = (room: RoomRow, member: Member | undefined) => boolean;
export type RoomAccess = { room: RoomRow; member: Member | undefined };

/**
 * The room and the caller's membership when the policy lets them: 404 if there is no such
 * room, 403 otherwise, saying whether they are not in it or only not its owner.
 */
async function roomIf(db: Database, roomId: number, user: UserRow, may: Question): Promise<RoomAccess> {
  const [room, member] = await Promise.all([findRoom(db, roomId), findMember(db, roomId, user.id)]);
  if (!room) throw notFound("Room not found.");
  if (may(room, member)) return { room, member };
  throw forbidden(
    member ? "Only the room's creator or a superuser can do that." : "You are not a participant of this room.",
  );
}

/**
 * A DM has no owner; its participants get through so that each route can say what a DM
 * does not allow, rather than a bare "not yours".
 */
const dmParticipant: Question = (room, member) => !room.isGroup && canRead(member);

/** A room the caller reads: its answer, its history, its socket. */
export const roomToRead = (db: Database, roomId: number, user: UserRow) =>
  roomIf(db, roomId, user, (_, member) => canRead(member));

/** A room the caller posts to: its messages and their files. */
export const roomToPostTo = (db: Database, roomId: number, user: UserRow) =>
  roomIf(db, roomId, user, (_, member) => canPost(member));

/** A room the caller may add people to (a DM's participants too: the route says a DM cannot grow). */
export const roomToAddTo = (db: Database, roomId: number, user: UserRow) =>
  roomIf(db, roomId, user, (_, member) => canAddMembers(member));

/** A room its owner, or any superuser (member or not), may rename or delete. */
export const roomToManage = (db: Database, roomId: number, user: UserRow) =>
  roomIf(db, roomId, user, (room, member) => canManage(user, room, member) || dmParticipant(room, member));

/** A room the caller may take this user out of: themselves, or anyone if they manage it. */
export const roomToRemoveFrom = (db: Database, roomId: number, user: UserRow, userId: number) =>
  roomIf(
    db,
    roomId,
    user,
    (room, member) => canRemoveMember(user, room, member, userId) || dmParticipant(room, member),
  );
