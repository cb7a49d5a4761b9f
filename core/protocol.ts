/**
 * The wire protocol of Condor Chat's WebSockets, shared by the server (durable/) and the
 * client (client/). Every frame is one JSON object with a `type`. Whoever receives a frame
 * parses it with the schemas here; whoever sends one checks it with `satisfies`.
 *
 * A room socket: GET /api/v1/rooms/{id}/socket/?after=<last id seen>, authenticated with
 * the subprotocols ["condor.v1", "bearer.<access token>"] (browsers cannot set headers on a
 * WebSocket, and a token in a URL ends up in logs). It first receives everything after
 * `after`, then `caught_up`, then live frames in the room's one order. With
 * `&changes=<the last caught_up's changes>` it also gets, before `caught_up`, the messages up
 * to `after` that changed since (edits, deletes, previews, reactions), each as it stands.
 *
 * Threads: a thread reply is a message like any other in that order, flagged `thread_root`
 * (a client shows it in the root's thread, not the timeline), and is followed by
 * `thread_updated` with the root's new summary; deleting a reply sends `thread_updated` too.
 * Catch-up is the same: it sends every message after `after`, thread replies included (so a
 * reconnecting client misses none), then `thread_updated` for each root those replies are in,
 * then `caught_up`. REST's history pages are the main timeline (no replies; roots carry their
 * `thread` summary); `?thread=<root>` pages one thread.
 * Timeline notes: each join, leave, removal and rename is a RoomNote the room keeps, placed
 * after the message that was the room's latest then. It comes in its live frame's `note`,
 * in `caught_up`'s `notes` (those since `after`) and in REST's history pages, the same note
 * by its id everywhere.
 * An inbox socket: GET /api/v1/inbox/socket/, same authentication: news of all your rooms.
 */
import { z } from "zod";

// The constants are in a file without zod, which the web client imports; the .ts
// extension lets the Node scripts (run by Node's type stripping) load this file too.
export * from "./protocol-constants.ts";

import { describeIssues, ERROR_CODES } from "./error-codes.ts";
import { MAX_ATTACHMENTS, MAX_FRAME_LENGTH, MAX_MESSAGE_LENGTH } from "./protocol-constants.ts";

const anyMessageText = z.string().max(MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`);
const isBlank = (text: string) => text.trim().length === 0;

export const messageText = anyMessageText.refine((text) => !isBlank(text), "must not be blank");

/** An uploaded file's id, as the upload answered it. */
export const attachmentId = z.string().regex(/^[0-9a-f]{32}$/, "must be an attachment id from an upload");

/** The files a send carries: ids of the sender's uploads to the same room, not sent before. */
export const attachmentIds = z
  .array(attachmentId)
  .max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} files a message`)
  .refine((ids) => new Set(ids).size === ids.length, "must not name a file twice");

/**
 * A send's text and files: the text may be left out or blank only when files come with it.
 * `text` names the body's text field (the socket's `content`, REST's `message`).
 */
export function textOrFiles<T extends string>(text: T) {
  return (body: Partial<Record<T, string>> & { attachments?: string[] }, ctx: z.RefinementCtx) => {
    if (isBlank(body[text] ?? "") && !body.attachments?.length)
      ctx.addIssue({ code: "custom", path: [text], message: "must not be blank" });
  };
}

/** A file of a message. `url` is a signed link that lasts about an hour; every answer showing the message has a fresh one. */
export const WireAttachment = z.object({
  id: attachmentId,
  name: z.string(),
  size: z.number().int().min(0),
  content_type: z
    .string()
    .describe(
      "Judged from the file's bytes: image/jpeg, image/png, image/gif or image/webp, else application/octet-stream",
    ),
  url: z
    .string()
    .describe("A path on this server, signed and expiring; an image is shown from it, any other file downloads"),
  width: z.number().int().positive().optional().describe("Images only: width in pixels, as the file declares it"),
  height: z.number().int().positive().optional().describe("Images only: height in pixels, as the file declares it"),
});
export type WireAttachment = z.infer<typeof WireAttachment>;

/** A sender's own id for a message, making a retry safe: the same id is stored and broadcast once. */
export const clientId = z.string().min(1, "must not be empty").max(64, "must be at most 64 characters");

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** What a linked page says of itself (OpenGraph, Twitter card or <title>), as text. */
export const LinkPreview = z.object({
  url: z.string().describe("The link as it appears in the message"),
  title: z.string().max(300).nullable(),
  description: z.string().max(1000).nullable(),
  image_url: z
    .string()
    .nullable()
    .describe(
      "The page's picture (og:image or twitter:image) as one of the room's files: a signed, expiring path on this server, never the page's own address; null when it has none that is a JPEG, PNG, GIF or WebP of at most 5 MiB",
    ),
  site_name: z.string().max(300).nullable(),
  image_width: z.number().int().positive().optional().describe("The picture's width in pixels; absent without one"),
  image_height: z.number().int().positive().optional().describe("The picture's height in pixels; absent without one"),
});
export type LinkPreview = z.infer<typeof LinkPreview>;

const Reaction = z.object({
  emoji: z.string(),
  count: z.number().int().positive(),
  /** Who reacted, in the order they did. */
  users: z.array(id),
  mine: z
    .boolean()
    .optional()
    .describe(
      "Whether you reacted: in every REST answer; socket frames leave it out (the client reads it from users and welcome's `you`)",
    ),
});

/** The start of a quoted message's text. */
export const QUOTE_EXCERPT_LENGTH = 140;

const Quote = z.object({
  id,
  sender: id,
  excerpt: z.string().describe(`The first ${QUOTE_EXCERPT_LENGTH} characters of its text; "" once it is deleted`),
  deleted: z.boolean(),
});

const ThreadSummary = z.object({
  reply_count: z.number().int().positive(),
  last_reply_at: z.string(),
  participants: z.array(id).describe("Who replied, in the order of their first reply"),
});

export const WireMessage = z.object({
  id,
  room: id,
  sender: id,
  timestamp: z.string(),
  content: z.string(),
  edited_at: z.string().nullable(),
  deleted: z.boolean(),
  /** The sender's own id for it, on the socket's frames: the sender knows its echo by it. */
  client_id: z.string().optional(),
  mentions: z
    .array(id)
    .optional()
    .describe(
      "The members it mentions (@username, or @here for those in the room), never its sender; absent when none",
    ),
  reactions: z.array(Reaction).optional().describe("Its reactions, in order of first use; absent when none"),
  previews: z
    .array(LinkPreview)
    .optional()
    .describe("Previews of the first links in its text, added by the server after it is stored; absent when none"),
  reply_to: Quote.optional().describe("The message this one quotes (a quote-reply), as it reads now; absent when none"),
  thread_root: id
    .optional()
    .describe("The root message of the thread this one replies in; absent when it is not a thread reply"),
  thread: ThreadSummary.optional().describe("A thread root's replies (deleted ones not counted); absent when none"),
  attachments: z.array(WireAttachment).optional().describe("The message's files, in the order sent; absent when none"),
  removed_by_admin: z
    .literal(true)
    .optional()
    .describe("A deleted message that a superuser removed, not its sender; absent otherwise"),
});
export type WireMessage = z.infer<typeof WireMessage>;

const noteBase = {
  id: id.describe("The note's id in its room: the same note in a page, a catch-up and a live frame"),
  after: z
    .number()
    .int()
    .min(0)
    .describe("The room's latest message when it happened (0 before any): it sits after that message, before the next"),
  timestamp: z.string(),
};

/** A change to a room's members or title, kept in its timeline where it happened. */
export const RoomNote = z.discriminatedUnion("kind", [
  z.object({
    ...noteBase,
    kind: z.literal("joined"),
    user: id,
    by: id.optional().describe("Who added them; absent when they joined by themselves"),
  }),
  z.object({ ...noteBase, kind: z.literal("left"), user: id }),
  z.object({ ...noteBase, kind: z.literal("removed"), user: id, by: id.describe("Who removed them") }),
  z.object({ ...noteBase, kind: z.literal("renamed"), title: z.string(), by: id }),
]);
export type RoomNote = z.infer<typeof RoomNote>;

/** Frames a client sends to a room. */
export const ClientFrame = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("send"),
      client_id: clientId,
      content: anyMessageText.default(""),
      attachments: attachmentIds.optional(),
      /** A quote-reply of this room's message. */
      reply_to: id.optional(),
      /** A reply in the thread of this root message of the room. */
      thread: id.optional(),
    })
    .superRefine(textOrFiles("content")),
  z.object({ type: z.literal("edit"), id, content: messageText }),
  z.object({ type: z.literal("delete"), id }),
  z.object({ type: z.literal("typing") }),
  z.object({ type: z.literal("read"), up_to: id }),
  /**
   * Everything after `after`, then `caught_up`; for a socket that lost frames without closing.
   * With `changes` (the last `caught_up`'s), also the messages up to `after` changed since.
   */
  z.object({
    type: z.literal("resume"),
    after: z.number().int().min(0),
    changes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/**
 * The socket's error codes: REST's own names (core/error-codes.ts), which `extract` checks at
 * compile time, and `bad_frame` for a frame that is not a JSON object. `unavailable`: the
 * server could not store or read right now; the same frame may be retried.
 */
export const SocketErrorCode = z.enum([
  "bad_frame",
  ...z.enum(ERROR_CODES).extract(["too_large", "throttled", "permission_denied", "not_found", "invalid", "unavailable"])
    .options,
]);
export type SocketErrorCode = z.infer<typeof SocketErrorCode>;

const Member = z.object({ id, username: z.string(), full_name: z.string(), avatar_url: z.string() });

/** Frames a room sends. */
export const RoomFrame = z.discriminatedUnion("type", [
  /** First frame on a socket: who you are, and the read position of every participant who has read any (the others', 0). */
  z.object({ type: z.literal("welcome"), room: id, you: id, reads: z.record(z.string(), z.number()) }),
  z.object({
    type: z.literal("caught_up"),
    last_id: z.number().int().min(0),
    has_more: z.boolean(),
    /** The room's count of changes to its messages: given back on a reconnect, the catch-up sends those changed since. */
    changes: z.number().int().min(0).optional(),
    /** The timeline notes since `after`, oldest first; absent when none (or when there was no `after`). */
    notes: z.array(RoomNote).optional(),
  }),
  z.object({ type: z.literal("ack"), client_id: z.string(), message: WireMessage }),
  z.object({ type: z.literal("message"), message: WireMessage }),
  /** Messages the room took together (a busy room's), oldest first: as many `message` frames would be. */
  z.object({ type: z.literal("messages"), messages: z.array(WireMessage) }),
  z.object({ type: z.literal("message_edited"), message: WireMessage }),
  z.object({ type: z.literal("message_deleted"), message: WireMessage }),
  /** A thread root's replies changed (a reply, or a reply deleted): its summary now, absent when none are left. */
  z.object({ type: z.literal("thread_updated"), root: id, thread: ThreadSummary.optional() }),
  z.object({ type: z.literal("typing"), user: id, typing: z.boolean() }),
  z.object({ type: z.literal("read"), user: id, up_to: z.number().int().min(0) }),
  z.object({ type: z.literal("member_joined"), user: Member, note: RoomNote }),
  /** `by`: who removed them; absent when they left by themselves. */
  z.object({ type: z.literal("member_left"), user: id, by: id.optional(), note: RoomNote }),
  /** A group got a new title, from the member `by`. */
  z.object({ type: z.literal("renamed"), title: z.string(), by: id, note: RoomNote }),
  /** Someone added (or took back) their reaction to a message: one frame for every socket alike. */
  z.object({ type: z.literal("reaction"), message: id, emoji: z.string(), user: id, added: z.boolean() }),
  /** The participants with a socket open in this room now. */
  z.object({ type: z.literal("here"), users: z.array(id) }),
  /** An error; one that answers a `send` carries its `client_id`. */
  z.object({ type: z.literal("error"), code: SocketErrorCode, message: z.string(), client_id: z.string().optional() }),
]);
export type RoomFrame = z.infer<typeof RoomFrame>;

/** Frames a user's inbox sends about rooms they may not be looking at. */
export const InboxFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("unread"),
    counts: z.record(z.string(), z.number()),
    /** Of those, the ones that mention you, by room. */
    mentions: z.record(z.string(), z.number()).optional(),
  }),
  /** A new message somewhere; `first_dm` when it opens a DM with someone new. */
  z.object({
    type: z.literal("room_message"),
    room: id,
    title: z.string(),
    message: WireMessage,
    first_dm: z.boolean(),
  }),
  /** A reply in a thread you take part in (you wrote its root or a reply in it). */
  z.object({ type: z.literal("thread_reply"), room: id, title: z.string(), message: WireMessage }),
  z.object({ type: z.literal("added_to_room"), room: id, title: z.string(), by: id }),
  z.object({ type: z.literal("removed_from_room"), room: id }),
  /** A group was renamed: its new title, for the room list and an open room's header. */
  z.object({ type: z.literal("room_renamed"), room: id, title: z.string() }),
  /** A message was edited or deleted: as it reads now, for the room list's preview when it is the latest. */
  z.object({ type: z.literal("message_changed"), room: id, message: WireMessage }),
]);
export type InboxFrame = z.infer<typeof InboxFrame>;

/** Why a client's frame was refused; with the frame's `client_id` when it was a send that had one. */
export type RefusedFrame = { ok: false; code: SocketErrorCode; message: string; client_id?: string };

/**
 * Parses a client's frame, or says why it is not one. An oversized frame is read too, for
 * the client id of a send: the runtime bounds a frame at 1 MiB, and the sender needs the id
 * to know which of its sends failed.
 */
export function parseClientFrame(raw: string | ArrayBuffer): { ok: true; frame: ClientFrame } | RefusedFrame {
  if (typeof raw !== "string") return { ok: false, code: "bad_frame", message: "Frames are JSON text." };
  let data: unknown;
  let isJson = true;
  try {
    data = JSON.parse(raw);
  } catch {
    isJson = false;
  }
  const refused = (code: SocketErrorCode, message: string): RefusedFrame => {
    const client_id = clientIdOfSend(data);
    return client_id === undefined ? { ok: false, code, message } : { ok: false, code, message, client_id };
  };
  if (raw.length > MAX_FRAME_LENGTH)
    return refused("too_large", `Frames can be at most ${MAX_FRAME_LENGTH} characters.`);
  if (!isJson) return refused("bad_frame", "Frames are JSON objects.");
  const plain = plainSend(data);
  if (plain) return { ok: true, frame: plain };
  const parsed = ClientFrame.safeParse(data);
  if (!parsed.success) {
    return refused("invalid", describeIssues(parsed.error.issues, "frame").summary);
  }
  return { ok: true, frame: parsed.data };
}

/**
 * The commonest frame, a send of text alone, checked by hand: exactly what ClientFrame
 * takes of such a frame (test/properties holds the two together), at a fraction of the
 * cost on a busy room's every message. Anything else is undefined, for ClientFrame to read.
 */
export function plainSend(data: unknown): ClientFrame | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  for (const key in data) if (key !== "type" && key !== "client_id" && key !== "content") return undefined;
  const { type, client_id, content } = data as Record<string, unknown>;
  if (type !== "send" || typeof client_id !== "string" || client_id.length < 1 || client_id.length > 64)
    return undefined;
  if (typeof content !== "string" || content.length > MAX_MESSAGE_LENGTH || isBlank(content)) return undefined;
  return { type, client_id, content };
}

/** The client id of what looks like a send, if it has a valid one. */
function clientIdOfSend(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const frame = data as { type?: unknown; client_id?: unknown };
  return frame.type === "send" && clientId.safeParse(frame.client_id).success ? (frame.client_id as string) : undefined;
}
