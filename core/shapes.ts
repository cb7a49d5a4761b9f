/**
 * The API's shapes: the zod schemas the OpenAPI document shows, and the one place that
 * turns a database row into what a client receives. Every key of the original is kept.
 */
import { z } from "@hono/zod-openapi";
import type { RoomRow, UserRow } from "./db/schema";
import type { MessageRow } from "./history";
import type { UserPresence } from "./presence";
import { WireMessage } from "./protocol";

export const DEFAULT_AVATAR_KEY = "avatar_files/default_img.png";

export const ErrorSchema = z
  .object({
    error: z.string(),
    detail: z.string(),
    code: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  })
  .openapi("Error");

export const UserSchema = z
  .object({
    id: z.number().int(),
    full_name: z.string(),
    username: z.string(),
    email: z.string(),
    avatar_url: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    is_superuser: z.boolean(),
    is_active: z.boolean(),
    /** Whether any socket of theirs is open; null when presence cannot be read right now. */
    is_online: z.boolean().nullable(),
    last_seen: z.string().nullable(),
    dnd_until: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "On your own profile only: no push until this time; null when do-not-disturb is off" }),
  })
  .openapi("User");

/** Messages look the same over REST and over the sockets: the protocol defines them. */
/** A message over REST: the socket's shape, less the client id that only the socket carries. */
export const MessageSchema = WireMessage.omit({ client_id: true });

export const RoomSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    timestamp: z.string(),
    messages: z.array(MessageSchema),
    is_group: z.boolean(),
    participants: z.array(UserSchema),
    created_by: z.number().int().nullable(),
    owner: z.number().int().nullable().openapi({
      description:
        "Who may rename the room and remove people: its creator until they leave, then its longest-standing member; null for a DM",
    }),
    last_activity: z.string(),
  })
  .openapi("Room");

export type User = z.infer<typeof UserSchema>;
export type Message = z.infer<typeof MessageSchema>;
export type Room = z.infer<typeof RoomSchema>;

/** "first last" as Django's get_full_name, or the username when both are empty. */
export function fullName(row: Pick<UserRow, "firstName" | "lastName" | "username">): string {
  return `${row.firstName} ${row.lastName}`.trim() || row.username;
}

/** The origin a request came to, which absolute URLs in its answer are made from. */
export const originOf = (url: string) => new URL(url).origin;

/** Avatar URLs are absolute, made from the origin the request came to. */
export function avatarUrl(origin: string, avatarKey: string | null): string {
  return `${origin}/media/${avatarKey ?? DEFAULT_AVATAR_KEY}`;
}

export function toUser(row: UserRow, origin: string, presence: UserPresence): User {
  return {
    id: row.id,
    full_name: fullName(row),
    username: row.username,
    email: row.email,
    avatar_url: avatarUrl(origin, row.avatarKey),
    first_name: row.firstName,
    last_name: row.lastName,
    is_superuser: row.isSuperuser,
    is_active: row.isActive,
    is_online: presence.is_online,
    last_seen: presence.last_seen,
  };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    room: row.roomId,
    sender: row.senderId,
    timestamp: row.createdAt,
    content: row.content,
    edited_at: row.editedAt,
    deleted: row.deletedAt !== null,
  };
}

/** A message as the room's socket sends it: with its sender's client id, when it had one. */
export function toWireMessage(row: MessageRow): WireMessage {
  const message = toMessage(row);
  return row.clientId === null ? message : { ...message, client_id: row.clientId };
}

export function toRoom(room: RoomRow, participants: User[], owner: number | null, messages: Message[]): Room {
  return {
    id: room.id,
    title: room.title,
    timestamp: room.createdAt,
    messages,
    is_group: room.isGroup,
    participants,
    created_by: room.createdBy,
    owner,
    last_activity: messages.at(-1)?.timestamp ?? room.createdAt,
  };
}
