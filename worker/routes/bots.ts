/**
 * Bots: superusers make bot users, list them, regenerate a bot's key and deactivate one.
 * A bot posts with its key in the path (on the API's public list: the key is the
 * credential) to the rooms it was added to, with a plain-text or JSON body, so
 * `curl -d 'Deploy finished' <url>` works. Its webhook hears of its mentions and DMs from
 * its inbox (durable/inbox-webhook.ts), never on the message path.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { webhookSecret } from "../../core/bot-webhooks";
import { database } from "../../core/db";
import { type Bot, createBot, findBot, findBotByKey, listBots, setBotKey } from "../../core/db/bots";
import { findMember, findRoom } from "../../core/db/rooms";
import { deactivateUser, takenIdentity } from "../../core/db/users";
import { ApiError, forbidden, invalid, notFound } from "../../core/errors";
import { judgeHost } from "../../core/link-previews/public-address";
import { canManageBots, canPost } from "../../core/policy";
import { messageText } from "../../core/protocol";
import { fullName, MessageSchema } from "../../core/shapes";
import { roomObject } from "../../durable/room";
import { createApp, createPublicApp } from "../app";
import { BOT_KEY, hashBotKey, newBotKey } from "../auth/bot-keys";
import { errors, idParam, json, jsonBody } from "../openapi";
import { personName, username } from "../profile-fields";
import { announceDeactivated } from "../rooms/announcements";
import { refuseTaken } from "./profiles";

const MAX_WEBHOOK_URL = 2048;

const NewBot = z.object({
  username,
  full_name: personName.trim().min(1, "must not be blank"),
  webhook_url: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(MAX_WEBHOOK_URL)
    .nullable()
    .default(null)
    .openapi({ description: "Where the bot hears of its mentions and DMs: https on a public host" }),
});

const BotSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    full_name: z.string(),
    webhook_url: z.string().nullable(),
    is_active: z.boolean(),
    created_by: z.number().int(),
    created_at: z.string(),
  })
  .openapi("Bot");
const BotKey = z
  .object({
    id: z.number().int(),
    key: z.string().openapi({ description: "Shown this once: only its hash is kept. Posts as the bot" }),
    webhook_secret: z.string().openapi({
      description:
        "Signs the webhook's calls (X-Condor-Signature: sha256=<hex HMAC-SHA256 of the body>); changes with the key",
    }),
  })
  .openapi("BotKey");
const NewBotAnswer = BotSchema.extend(BotKey.shape).openapi("NewBot");

const BotPath = z.object({ id: idParam });
const PostPath = z.object({
  key: z.string().regex(BOT_KEY, "is not a bot key").openapi({ description: "The bot's key" }),
  id: idParam,
});
const BotPost = z.object({ content: messageText });

const toBot = ({ user, bot }: Bot) => ({
  id: user.id,
  username: user.username,
  full_name: fullName(user),
  webhook_url: bot.webhookUrl,
  is_active: user.isActive,
  created_by: bot.createdBy,
  created_at: bot.createdAt,
});

// Addresses, not "localhost": each call's guard judges names by DNS, which loopback has none of.
const LOOPBACK = new Set(["127.0.0.1", "[::1]"]);

/**
 * What is wrong with a webhook URL, if anything: the link previews' guard (no private,
 * loopback or metadata address, no local name) and https. WEBHOOK_ALLOW_LOOPBACK lets the
 * tests' own http server on loopback through; each call is judged again, by DNS too.
 */
function refusedWebhook(env: Env, address: string): string | undefined {
  const url = new URL(address);
  const loopbackAllowed = env.WEBHOOK_ALLOW_LOOPBACK === "true";
  if (url.username || url.password) return "must not carry credentials";
  if (loopbackAllowed && LOOPBACK.has(url.hostname)) return undefined;
  if (url.protocol !== "https:") return "must be an https URL";
  const verdict = judgeHost(url.hostname);
  if (verdict.kind === "refused" || (verdict.kind === "address" && !verdict.public))
    return "must be on a public host, not a private or local address";
  return undefined;
}

/** A new key and the hash D1 keeps of it. */
async function freshKey() {
  const key = newBotKey();
  return { key, keyHash: await hashBotKey(key) };
}

/** The text of a bot's post: `{"content": ...}` when sent as JSON, else the body as it is. */
async function postedText(request: Request): Promise<string> {
  // Bytes, then UTF-8: curl -d labels plain text as a form, which .text() warns about.
  const body = new TextDecoder().decode(await request.arrayBuffer());
  const type = request.headers.get("content-type") ?? "";
  let candidate: unknown = body;
  if (/^application\/json\b/i.test(type)) {
    try {
      candidate = (JSON.parse(body) as { content?: unknown } | null)?.content;
    } catch {
      throw invalid("The body is not valid JSON.", { content: "is not valid JSON" });
    }
  }
  const parsed = BotPost.safeParse({ content: typeof candidate === "string" ? candidate.trim() : candidate });
  if (!parsed.success) {
    const why = parsed.error.issues[0]?.message ?? "is not text";
    throw invalid(`A bot's message needs text (${why}).`, { content: why });
  }
  return parsed.data.content;
}

function assertManagesBots(user: { id: number; isSuperuser: boolean }) {
  if (!canManageBots(user)) throw forbidden("Only a superuser can manage bots.");
}

export const bots = createApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/bots",
      operationId: "createBot",
      tags: ["Bots"],
      summary: "Make a bot user (superusers): its key and webhook secret are shown only now",
      request: jsonBody(NewBot),
      responses: { 201: json(NewBotAnswer, "The bot, its key and its webhook secret"), ...errors(400, 401, 403, 415) },
    }),
    async (c) => {
      assertManagesBots(c.var.user);
      const input = c.req.valid("json");
      const refused = input.webhook_url === null ? undefined : refusedWebhook(c.env, input.webhook_url);
      if (refused) throw invalid(`The webhook URL ${refused}.`, { webhook_url: refused });
      const db = database(c.env);
      const taken = await takenIdentity(db, { username: input.username });
      if (Object.keys(taken).length > 0) throw invalid("That username is taken.", taken);
      // The secret is derived from the key's hash and the bot's id, which the insert makes.
      const { key, keyHash } = await freshKey();
      const made = await createBot(
        db,
        { username: input.username, firstName: input.full_name, lastName: "", webhookUrl: input.webhook_url },
        keyHash,
        c.var.user.id,
      ).catch(refuseTaken);
      const secret = webhookSecret(c.env.JWT_SECRET, made.user.id, keyHash);
      return c.json({ ...toBot(made), key, webhook_secret: secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/bots",
      operationId: "listBots",
      tags: ["Bots"],
      summary: "Every bot, deactivated ones too (superusers), the oldest first",
      responses: { 200: json(z.array(BotSchema), "The bots, without their keys"), ...errors(401, 403) },
    }),
    async (c) => {
      assertManagesBots(c.var.user);
      return c.json((await listBots(database(c.env))).map(toBot), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/bots/{id}/key",
      operationId: "regenerateBotKey",
      tags: ["Bots"],
      summary: "Give a bot a new key and webhook secret (superusers); the old key stops working",
      request: { params: BotPath },
      responses: { 200: json(BotKey, "The new key and secret, shown only now"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      assertManagesBots(c.var.user);
      const { id } = c.req.valid("param");
      const db = database(c.env);
      if (!(await findBot(db, id))) throw notFound("No such bot.");
      const { key, keyHash } = await freshKey();
      await setBotKey(db, id, keyHash);
      return c.json({ id, key, webhook_secret: webhookSecret(c.env.JWT_SECRET, id, keyHash) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/bots/{id}",
      operationId: "deactivateBot",
      tags: ["Bots"],
      summary: "Deactivate a bot (superusers): its key is revoked; its messages stay",
      request: { params: BotPath },
      responses: { 204: { description: "Deactivated; its key no longer works" }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      assertManagesBots(c.var.user);
      const { id } = c.req.valid("param");
      const db = database(c.env);
      if (!(await findBot(db, id))) throw notFound("No such bot.");
      await deactivateUser(db, id);
      await announceDeactivated(c.env, db, id);
      return c.body(null, 204);
    },
  );

/** A bot's post, on the API's public list: its key is the only credential it has. */
export const botPosts = createPublicApp().openapi(
  createRoute({
    method: "post",
    path: "/bots/{key}/rooms/{id}/messages",
    operationId: "postAsBot",
    tags: ["Bots"],
    security: [],
    summary: "Post to a room as a bot, with its key: the body is the text (curl -d), or JSON {content}",
    request: {
      params: PostPath,
      // Plain schemas, not zod: the handler reads the body itself, whatever curl says its type is.
      body: {
        required: true,
        content: {
          "text/plain": { schema: { type: "string", example: "Deploy finished" } },
          "application/x-www-form-urlencoded": {
            schema: { type: "string", description: "What `curl -d` sends: the body is the text as it is" },
          },
          "application/json": {
            schema: { type: "object", properties: { content: { type: "string" } }, required: ["content"] },
          },
        },
      },
    },
    responses: {
      201: json(MessageSchema, "The message, stored"),
      ...errors(400, 401, 403, 404, 429),
    },
  }),
  async (c) => {
    const { key, id } = c.req.valid("param");
    const content = await postedText(c.req.raw);
    const db = database(c.env);
    const bot = await findBotByKey(db, await hashBotKey(key));
    if (!bot) throw new ApiError(401, "This bot key is not valid, or was revoked.", "authentication_failed");
    const [room, member] = await Promise.all([findRoom(db, id), findMember(db, id, bot.id)]);
    if (!room) throw notFound("Room not found.");
    if (!canPost(member)) throw forbidden("This bot is not a participant of this room; add it first.");
    const result = await roomObject(c.env, room).receive({ senderId: bot.id, content }, { told: true });
    if (!result.ok && result.error === "throttled") {
      const retry = String(result.retryAfterSeconds);
      throw new ApiError(429, `This bot is posting too fast; try again in ${retry} s.`, "throttled", undefined, {
        "Retry-After": retry,
      });
    }
    if (!result.ok) throw invalid("This message cannot be sent.", result.fields);
    const { client_id: _, ...message } = result.message;
    return c.json(message, 201);
  },
);
