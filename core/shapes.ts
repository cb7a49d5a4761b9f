/**
 * The API's shapes: the zod schemas the OpenAPI document shows, and the one place that
 * turns a database row into what a client receives. Every key of the original is kept.
 */
import { z } from "@hono/zod-openapi";
import type { AttachmentLinks } from "./attachments";
import type { RoomRow, UserRow } from "./db/schema";
import type { MessageRow, ReactionTally, StoredPreview } from "./history";
import type { UserPresence } from "./presence";
import { type LinkPreview, WireMessage } from "./protocol";
import { JURISDICTIONS } from "./protocol-constants";

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
    status_emoji: z.string().optional().openapi({
      description: 'Their status\'s one emoji, or "" when it has only text. Absent while they have no status',
    }),
    status_text: z.string().optional().openapi({
      description: 'Their status\'s text ("" when it has only an emoji). Absent while they have no status',
    }),
    status_until: z.string().nullable().optional().openapi({
      description:
        "When their status ends by itself; null when it stays until cleared. Absent while they have no status",
    }),
    is_bot: z
      .literal(true)
      .optional()
      .openapi({ description: "A bot: it posts with its key and never signs in. Absent for people" }),
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
    open: z.boolean().openapi({ description: "Anyone signed in may find and join it; a DM never is" }),
    default: z.boolean().openapi({ description: "Every new user joins it" }),
    jurisdiction: z.enum(JURISDICTIONS).optional().openapi({
      description: "Where the room's messages are kept (its Durable Object's jurisdiction); absent when anywhere",
    }),
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

/** A user's status as it stands at `now`: none once it has ended. */
export function statusOf(
  row: Pick<UserRow, "statusEmoji" | "statusText" | "statusUntil">,
  now = Date.now(),
): Pick<User, "status_emoji" | "status_text" | "status_until"> {
  const emoji = row.statusEmoji ?? "";
  const text = row.statusText ?? "";
  if (!(emoji || text) || (row.statusUntil !== null && Date.parse(row.statusUntil) <= now)) return {};
  return { status_emoji: emoji, status_text: text, status_until: row.statusUntil };
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
    ...statusOf(row),
    ...(row.isBot ? { is_bot: true as const } : {}),
  };
}

/**
 * A message as a client receives it: `links` signs its files' links, fresh for this answer;
 * `viewer`, the user the answer is for, says which reactions are `mine` (REST answers know
 * it; socket frames, sent alike to all, do not).
 */
export function toMessage(row: MessageRow, links: AttachmentLinks, viewer?: number): Message {
  const message: Message = {
    id: row.id,
    room: row.roomId,
    sender: row.senderId,
    timestamp: row.createdAt,
    content: row.content,
    edited_at: row.editedAt,
    deleted: row.deletedAt !== null,
  };
  // Absent when none: a message without them is the original's shape.
  if (row.mentions?.length) message.mentions = row.mentions;
  if (row.reactions?.length) message.reactions = reactionsOf(row.reactions, viewer);
  if (row.previews?.length) message.previews = row.previews.map((preview) => shownPreview(row.roomId, preview, links));
  if (row.replyTo) message.reply_to = row.replyTo;
  if (row.threadRoot !== undefined) message.thread_root = row.threadRoot;
  if (row.thread) message.thread = row.thread;
  if (row.attachments?.length) message.attachments = links.shown(row.roomId, row.attachments);
  if (row.removedByAdmin) message.removed_by_admin = true;
  return message;
}

/** A kept preview as the API shows it: its picture, if any, by a fresh signed link. */
function shownPreview(roomId: number, { image, ...preview }: StoredPreview, links: AttachmentLinks): LinkPreview {
  if (!image) return { ...preview, image_url: null };
  const shown: LinkPreview = { ...preview, image_url: links.url(roomId, image.id) };
  if (image.width && image.height) Object.assign(shown, { image_width: image.width, image_height: image.height });
  return shown;
}

/** A message already shaped, with `mine` said for the user the answer is for. */
export function seenBy<M extends Message>(message: M, viewer: number): M {
  if (!message.reactions) return message;
  return { ...message, reactions: reactionsOf(message.reactions, viewer) };
}

function reactionsOf(tallies: ReactionTally[], viewer: number | undefined): NonNullable<Message["reactions"]> {
  return tallies.map(({ emoji, users }) =>
    viewer === undefined
      ? { emoji, count: users.length, users }
      : { emoji, count: users.length, users, mine: users.includes(viewer) },
  );
}

/** A message kept as an answer showed it (an inbox's latest) as the API shows it now: its files' links signed afresh. */
export function withFreshLinks(message: Message, links: AttachmentLinks): Message {
  return message.attachments ? { ...message, attachments: links.shown(message.room, message.attachments) } : message;
}

/** A message as the room's socket sends it: with its sender's client id, when it had one. */
export function toWireMessage(row: MessageRow, links: AttachmentLinks): WireMessage {
  const message = toMessage(row, links);
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
    open: room.isOpen,
    default: room.isDefault,
    ...(room.jurisdiction ? { jurisdiction: room.jurisdiction } : {}),
  };
}
