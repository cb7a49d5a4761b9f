/**
 * What open sockets hear when a room's membership changes: the room's sockets learn who
 * joined or left (and the ones who left lose their sockets at once), and each person's
 * inbox learns they were added or removed. The room's object hears of every change to its
 * members and title, since it keeps them in memory for its inbox news.
 */

import type { Database } from "../../core/db";
import { defaultRoomsOf, roomAddressesOf } from "../../core/db/rooms";
import type { RoomAddress, RoomRow, UserRow } from "../../core/db/schema";
import { avatarUrl, fullName } from "../../core/shapes";
import { inboxObject } from "../../durable/inbox";
import { roomObject } from "../../durable/room";

/** Each added person's inbox (but the one who added them) hears of the room. */
const tellAdded = (env: Env, room: RoomRow, userIds: number[], by: number) =>
  userIds
    .filter((id) => id !== by)
    .map((id) => inboxObject(env, id).push({ type: "added_to_room", room: room.id, title: room.title, by }));

const tellRemoved = (env: Env, roomId: number, userIds: number[]) =>
  userIds.map((id) => inboxObject(env, id).removedFromRoom(roomId));

export async function announceJoined(env: Env, room: RoomRow, users: UserRow[], by: number, origin: string) {
  if (users.length === 0) return;
  const joined = users.map((user) => ({
    id: user.id,
    username: user.username,
    full_name: fullName(user),
    avatar_url: avatarUrl(origin, user.avatarKey),
  }));
  await Promise.all([
    roomObject(env, room).membersChanged({ joined, left: [], by }),
    ...tellAdded(
      env,
      room,
      users.map((user) => user.id),
      by,
    ),
  ]);
}

/** Someone joined an open room by themselves: its sockets hear it, and so do their own other tabs. */
export async function announceSelfJoined(env: Env, room: RoomRow, user: UserRow, origin: string) {
  await Promise.all([
    announceJoined(env, room, [user], user.id, origin),
    inboxObject(env, user.id).push({ type: "added_to_room", room: room.id, title: room.title, by: user.id }),
  ]);
}

/** A new user's default rooms hear that they joined; the user has no tabs open yet. */
export async function announceNewUser(env: Env, db: Database, user: UserRow, origin: string) {
  const rooms = await defaultRoomsOf(db, user.id);
  await Promise.all(rooms.map((room) => announceJoined(env, room, [user], user.id, origin)));
}

/** People left, or `by` removed them (`by` one of them: they left by themselves). */
export async function announceLeft(env: Env, room: RoomAddress, userIds: number[], by: number) {
  await Promise.all([
    roomObject(env, room).membersChanged({ joined: [], left: userIds, by }),
    ...tellRemoved(env, room.id, userIds),
  ]);
}

/** A deactivated user loses every open socket: each room's and their inbox's. */
export async function announceDeactivated(env: Env, db: Database, userId: number) {
  const rooms = await roomAddressesOf(db, userId);
  await Promise.all([
    ...rooms.map((room) => roomObject(env, room).signOut(userId)),
    inboxObject(env, userId).signOut(),
  ]);
}

/** A user's rooms read mentions by their new username from their next message on. */
export async function announceUsernameChanged(env: Env, db: Database, userId: number) {
  const rooms = await roomAddressesOf(db, userId);
  await Promise.all(rooms.map((room) => roomObject(env, room).membersRenamed()));
}

/** A renamed room's sockets and members' inboxes hear its new title, and its object reads it for its next news. */
export async function announceRenamed(env: Env, room: RoomAddress, title: string, by: number) {
  await roomObject(env, room).renamed({ title, by });
}

/** A deleted room closes its sockets and leaves every former member's inbox. */
export async function announceDeleted(env: Env, room: RoomAddress, memberIds: number[]) {
  await Promise.all([roomObject(env, room).roomDeleted(), ...tellRemoved(env, room.id, memberIds)]);
}

/** A new group room shows up in its members' inboxes (it has no sockets yet). */
export async function announceCreated(env: Env, room: RoomRow, memberIds: number[], by: number) {
  await Promise.all(tellAdded(env, room, memberIds, by));
}
