/**
 * A room as the API answers it: its participants and its latest messages, oldest first.
 */
import { database } from "../../core/db";
import { participantsOf, roomsOf } from "../../core/db/rooms";
import type { RoomRow } from "../../core/db/schema";
import { type Room, toMessage, toRoom } from "../../core/shapes";
import { inboxObject, type RoomSummary } from "../../durable/inbox";
import { roomObject } from "../../durable/room";
import { userAnswers } from "./users";

/** How many of its latest messages a room answer carries; older ones are paged. */
export const ROOM_ANSWER_MESSAGES = 50;

/** The room as `viewer` sees it (their own reactions are `mine`). */
export async function roomAnswer(env: Env, room: RoomRow, origin: string, viewer: number): Promise<Room> {
  const db = database(env);
  const [people, { rows }] = await Promise.all([
    participantsOf(db, [room.id]),
    roomObject(env, room.id).history({ limit: ROOM_ANSWER_MESSAGES }),
  ]);
  const { participants, owner } = people.get(room.id)!;
  return toRoom(
    room,
    await userAnswers(env, origin, participants),
    owner,
    rows.map((row) => toMessage(row, viewer)),
  );
}

/**
 * A page of the user's rooms, the latest activity first: D1 knows which rooms they are in,
 * their inbox the latest message and unread count of each (one call, whatever the number).
 */
export async function pageOfRooms(
  env: Env,
  userId: number,
  page: { limit: number; offset: number },
): Promise<{ rows: { room: RoomRow; summary: RoomSummary }[]; total: number }> {
  const rooms = await roomsOf(database(env), userId);
  const summaries = await inboxObject(env, userId).summaries(rooms.map((room) => room.id));
  const activity = ({ room, summary }: { room: RoomRow; summary: RoomSummary }) =>
    summary.latest?.timestamp ?? room.createdAt;
  const ordered = rooms
    .map((room) => ({ room, summary: summaries[room.id] }))
    .sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : b.room.id - a.room.id));
  return { rows: ordered.slice(page.offset, page.offset + page.limit), total: rooms.length };
}
