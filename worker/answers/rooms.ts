/**
 * A room as the API answers it: its participants and its latest messages, oldest first.
 */
import { AttachmentLinks } from "../../core/attachments";
import { database } from "../../core/db";
import { membershipsOf } from "../../core/db/push";
import { participantsOf, type RoomPeople, roomsOf } from "../../core/db/rooms";
import type { RoomRow } from "../../core/db/schema";
import type { MessageRow } from "../../core/history";
import type { NotifyLevel } from "../../core/notify";
import { type Room, toMessage, toRoom } from "../../core/shapes";
import { inboxObject, type RoomSummary } from "../../durable/inbox";
import { roomObject } from "../../durable/room";
import { userAnswers } from "./users";

/** How many of its latest messages a room answer carries; older ones are paged. */
export const ROOM_ANSWER_MESSAGES = 50;

/**
 * The room as `viewer` sees it (their own reactions are `mine`). A caller that has read its
 * people or its latest messages already (a send) passes them in `known`, which saves a trip.
 */
export async function roomAnswer(
  env: Env,
  room: RoomRow,
  origin: string,
  viewer: number,
  known: { people?: RoomPeople; latest?: MessageRow[] } = {},
): Promise<Room> {
  const [{ participants, owner }, rows] = await Promise.all([
    known.people ?? participantsOf(database(env), [room.id]).then((people) => people.get(room.id)!),
    known.latest ??
      roomObject(env, room)
        .history({ limit: ROOM_ANSWER_MESSAGES })
        .then((page) => page.rows),
  ]);
  const links = new AttachmentLinks(env.JWT_SECRET);
  const messages = rows.map((row) => toMessage(row, links, viewer));
  return toRoom(room, await userAnswers(env, origin, participants), owner, messages);
}

/** A room in the user's list: its summary, and their level (null: the default) and whether it is hidden. */
export type ListedRoom = { room: RoomRow; summary: RoomSummary; notify: NotifyLevel | null; hidden: boolean };

/**
 * A page of the user's rooms, the latest activity first, less the ones they hid: D1 knows
 * which rooms they are in, their inbox the latest message and unread count of each (one
 * call, whatever the number).
 */
export async function pageOfRooms(
  env: Env,
  userId: number,
  page: { limit: number; offset: number },
  /** The rooms the user hid, instead of the others. */
  hidden = false,
): Promise<{ rows: ListedRoom[]; total: number }> {
  const db = database(env);
  const [all, memberships] = await Promise.all([roomsOf(db, userId), membershipsOf(db, userId)]);
  const rooms = all.filter((room) => (memberships.get(room.id)?.hidden ?? false) === hidden);
  const summaries = await inboxObject(env, userId).summaries(rooms);
  const activity = ({ room, summary }: { room: RoomRow; summary: RoomSummary }) =>
    summary.latest?.timestamp ?? room.createdAt;
  const ordered = rooms
    .map((room) => ({
      room,
      summary: summaries[room.id],
      notify: memberships.get(room.id)?.notify ?? null,
      hidden,
    }))
    .sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : b.room.id - a.room.id));
  return { rows: ordered.slice(page.offset, page.offset + page.limit), total: rooms.length };
}
