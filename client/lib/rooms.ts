/**
 * How a room is named and pictured: a group by its title, a DM by the other person.
 */
import type { NotifyLevel } from "../../core/notify";
import type { User } from "./api";

type RoomLike = { title: string; is_group: boolean; participants: User[] };

/** The other person of a DM (undefined for a group, or a DM whose partner left). */
export const otherParticipant = (room: RoomLike, me: number): User | undefined =>
  room.is_group ? undefined : room.participants.find((user) => user.id !== me);

/** What the room is called where it is listed and opened. */
export const roomName = (room: RoomLike, me: number): string => otherParticipant(room, me)?.full_name ?? room.title;

/** The DM I have with `person`, if any. */
export const dmWith = <R extends RoomLike & { id: number }>(rooms: R[], person: number): R | undefined =>
  rooms.find((room) => !room.is_group && room.participants.some((user) => user.id === person));

/**
 * What a room counts for in the title, the app icon's badge and the page's notifications,
 * by my level in it (core/notify.ts): nothing at "nothing", its mentions only at "mentions".
 */
export function countedUnread(room: { unread_count: number; mention_count: number; notify: NotifyLevel }): {
  unread: number;
  mentions: number;
} {
  if (room.notify === "nothing") return { unread: 0, mentions: 0 };
  const unread = room.notify === "mentions" ? room.mention_count : room.unread_count;
  return { unread, mentions: room.mention_count };
}
