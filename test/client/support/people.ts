/** People and rooms as the API answers them, for component tests to start from. */
import type { Room, User } from "../../../client/lib/api";
import type { RoomSummary } from "../../../client/lib/use-inbox";

let nextId = 100;

/** A user in the API's shape; `full_name` follows the names unless given. */
export function aUser(overrides: Partial<User> = {}): User {
  const id = overrides.id ?? nextId++;
  const username = overrides.username ?? `user${id}`;
  const first_name = overrides.first_name ?? "";
  const last_name = overrides.last_name ?? "";
  return {
    id,
    username,
    first_name,
    last_name,
    full_name: `${first_name} ${last_name}`.trim() || username,
    email: `${username}@example.com`,
    avatar_url: `http://chat.test/media/avatar_files/default_img.png`,
    is_superuser: false,
    is_active: true,
    is_online: false,
    last_seen: null,
    ...overrides,
  };
}

/** A room in the API's shape (a group unless told), owned by its creator unless told or a DM. */
export function aRoom(overrides: Partial<Room> & Pick<Room, "participants">): Room {
  const isGroup = overrides.is_group ?? true;
  const createdBy = overrides.created_by ?? overrides.participants[0]?.id ?? null;
  return {
    id: nextId++,
    title: "Ops",
    timestamp: "2026-11-27T10:00:00.000Z",
    messages: [],
    is_group: isGroup,
    created_by: createdBy,
    owner: isGroup ? createdBy : null,
    last_activity: "2026-11-27T10:00:00.000Z",
    open: false,
    default: false,
    ...overrides,
  };
}

/** A room as the room list answers it: nothing unread, level "everything", not hidden. */
export const aListedRoom = (room: Room): RoomSummary => ({
  ...room,
  unread_count: 0,
  mention_count: 0,
  notify: "everything",
  hidden: false,
});
