/**
 * The admin routes, under /api/admin: what `npm run manage` does to the rooms' objects goes
 * through the worker, so a command works the same way on the local run and deployed. A
 * room's messages come in (an import) and go out (an export), and D1's history moves into
 * the rooms. They are not part of the API: outside /api/v1 and its document, and open only
 * to the ADMIN_TOKEN secret (worker/auth/admin-token.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { database } from "../../core/db";
import { roomAddress } from "../../core/db/rooms";
import { ApiError } from "../../core/errors";
import { clientId } from "../../core/protocol";
import { MAX_MESSAGE_LENGTH } from "../../core/protocol-constants";
import { reactionEmoji } from "../../core/reactions";
import { roomObject } from "../../durable/room";
import { createPublicApp } from "../app";
import { adminOnly } from "../auth/admin-token";
import { moveNextBatch } from "../history/move";
import { errors, idParam, json, jsonBody } from "../openapi";

/** Largest admin body: an import's batch of messages, which `npm run manage` keeps under half of it. */
export const MAX_ADMIN_BODY_BYTES = 2 * 1024 * 1024;
/** Most messages (and read positions) one import or export request carries. */
export const MAX_ADMIN_ROWS = 1000;
/** Most messages of D1's history one move step takes. */
export const MAX_MOVE_BATCH = 500;

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const timestamp = z.iso.datetime({ offset: true });
const RoomId = z.object({ id: idParam });

const StoredMessage = z.object({
  id,
  sender_id: id,
  client_id: clientId.nullable().default(null),
  created_at: timestamp,
  // A deleted message's text is empty.
  content: z.string().max(MAX_MESSAGE_LENGTH),
  edited_at: timestamp.nullable().default(null),
  deleted_at: timestamp.nullable().default(null),
  mentions: z.array(id).max(MAX_ADMIN_ROWS).optional(),
  reply_to: id.optional(),
  thread_root: id.optional(),
  reactions: z
    .array(
      z.object({
        emoji: z.string().refine((text) => reactionEmoji(text) === text, "must be one emoji, as the room spells it"),
        users: z.array(id).min(1).max(MAX_ADMIN_ROWS),
      }),
    )
    .max(MAX_ADMIN_ROWS)
    .optional(),
});
// Another app's threads come in with their messages; null is no thread.
const ImportedMessage = StoredMessage.extend({ thread_root: id.nullable().optional() });
const ReadPosition = z.object({ user_id: id, last_read_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
const ImportBatch = z.object({
  messages: z.array(ImportedMessage).max(MAX_ADMIN_ROWS).default([]),
  reads: z.array(ReadPosition).max(MAX_ADMIN_ROWS).default([]),
});
const ExportQuery = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_ADMIN_ROWS).default(MAX_ADMIN_ROWS),
});
const ExportPage = z.object({
  messages: z.array(StoredMessage.extend({ content: z.string().nullable() })),
  next: z.number().int().nullable(),
});
const MoveRequest = z.object({
  limit: z.number().int().min(1).max(MAX_MOVE_BATCH).default(200),
  reads_from: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});
const MoveStep = z.discriminatedUnion("step", [
  z.object({
    step: z.literal("messages"),
    room: id,
    moved: z.number().int(),
    first_id: id,
    last_id: id,
    room_done: z.boolean(),
  }),
  z.object({ step: z.literal("reads"), room: id, moved: z.number().int() }),
  z.object({ step: z.literal("done") }),
]);

const app = createPublicApp();
app.use(
  "*",
  adminOnly(),
  bodyLimit({
    maxSize: MAX_ADMIN_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, `Admin request bodies can be at most ${MAX_ADMIN_BODY_BYTES / 1024} KiB.`, "too_large");
    },
  }),
);

export const admin = app
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Whether this worker takes the admin token",
      responses: { 200: json(z.object({ ok: z.literal(true) }), "It does"), ...errors(401, 404) },
    }),
    (c) => c.json({ ok: true as const }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/messages",
      summary: "Stores messages and read positions in a room, by id: what it holds already is kept",
      request: { params: RoomId, ...jsonBody(ImportBatch) },
      responses: {
        200: json(z.object({ held: z.number().int() }), "How many of the messages the room now holds with their text"),
        ...errors(400, 401, 404, 413),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(
        await roomObject(c.env, await roomAddress(database(c.env), id)).importMessages(c.req.valid("json")),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/messages",
      summary: "A page of a room's messages as its store holds them, oldest first",
      request: { params: RoomId, query: ExportQuery },
      responses: { 200: json(ExportPage, "The page; `next` is the `after` of the next one"), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(
        await roomObject(c.env, await roomAddress(database(c.env), id)).exportMessages(c.req.valid("query")),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/history/move",
      summary: "Moves the next batch of D1's history into its room",
      request: jsonBody(MoveRequest),
      responses: { 200: json(MoveStep, "What moved, or that nothing is left"), ...errors(400, 401, 404, 409) },
    }),
    async (c) => {
      const { limit, reads_from } = c.req.valid("json");
      return c.json(await moveNextBatch(c.env, { limit, readsFrom: reads_from }), 200);
    },
  );
