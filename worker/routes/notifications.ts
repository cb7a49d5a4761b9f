/**
 * How a user hears of messages: their level and "hidden" per room, and Web Push (the
 * server's public key, each browser's subscription, a test push). Sending lives in the
 * user's inbox (durable/inbox-push.ts), off the message path.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import {
  changeMembership,
  dropSubscriptions,
  removeSubscription,
  saveSubscription,
  subscriptionsOf,
} from "../../core/db/push";
import { invalid, notFound } from "../../core/errors";
import { NOTIFY_LEVELS, notifyLevel, type PushPayload } from "../../core/notify";
import { fromBase64Url } from "../../core/web-push";
import { inboxObject } from "../../durable/inbox";
import { deliver, vapidOf } from "../../durable/inbox-push";
import { createApp } from "../app";
import { errors, idParam, json, jsonBody } from "../openapi";
import { roomToRead } from "../rooms/access";

/** Longest endpoint a subscription may name; the push services' are far shorter. */
const MAX_ENDPOINT_CHARS = 1024;

const MembershipChanges = z
  .object({
    notify: z.enum(NOTIFY_LEVELS).nullable().openapi({
      description:
        "What you hear of: every message, mentions of you, or nothing; null: the default (everything in a DM, mentions in a group)",
    }),
    hidden: z.boolean().openapi({ description: "Out of your room list until someone mentions you or you open it" }),
  })
  .partial()
  .strict();

const Membership = z
  .object({
    room: z.number().int(),
    notify: z.enum(NOTIFY_LEVELS).openapi({ description: "Your level in effect, the default applied" }),
    notify_chosen: z
      .boolean()
      .openapi({ description: "Whether you chose it, rather than taking the room kind's default" }),
    hidden: z.boolean(),
  })
  .openapi("Membership");

const base64Url = (bytes: number) =>
  z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, "must be base64url")
    .refine((text) => {
      try {
        return fromBase64Url(text).length === bytes;
      } catch {
        return false;
      }
    }, `must be ${bytes} bytes in base64url`);

const Subscription = z
  .object({
    endpoint: z.string().max(MAX_ENDPOINT_CHARS).url(),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({
      p256dh: base64Url(65).refine((text) => fromBase64Url(text)[0] === 4, "must be an uncompressed P-256 point"),
      auth: base64Url(16),
    }),
  })
  .openapi("PushSubscription", { description: "A browser's PushSubscription, as its toJSON() gives it" });

const Unsubscription = z.object({ endpoint: z.string().max(MAX_ENDPOINT_CHARS) });

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[.*\])$/;

/**
 * A push service is somewhere on the internet by name: https, and no address of the
 * server's own network. Plain http to loopback only where PUSH_ALLOW_LOOPBACK is on (the tests).
 */
function refusedEndpoint(env: Env, endpoint: string): string | undefined {
  const url = new URL(endpoint);
  if (env.PUSH_ALLOW_LOOPBACK === "true" && url.protocol === "http:" && LOOPBACK.has(url.hostname)) return undefined;
  if (url.protocol !== "https:") return "must be an https URL";
  if (IP_LITERAL.test(url.hostname) || url.hostname === "localhost" || !url.hostname.includes("."))
    return "must name a push service by its host name";
  if (url.username || url.password) return "must not carry credentials";
  return undefined;
}

export const notifications = createApp()
  .openapi(
    createRoute({
      method: "patch",
      path: "/rooms/{id}/membership",
      operationId: "changeMembership",
      tags: ["Rooms"],
      summary: "Your notification level in a room, and whether it is hidden from your list",
      request: { params: z.object({ id: idParam }), ...jsonBody(MembershipChanges) },
      responses: { 200: json(Membership, "Your membership as it now is"), ...errors(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room } = await roomToRead(db, c.req.valid("param").id, c.var.user);
      const changes = c.req.valid("json");
      await changeMembership(db, room.id, c.var.user.id, changes);
      const { member } = await roomToRead(db, room.id, c.var.user);
      return c.json(
        {
          room: room.id,
          notify: notifyLevel(member!.notify, room.isGroup),
          notify_chosen: member!.notify !== null,
          hidden: member!.hidden,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/push/key",
      operationId: "getPushKey",
      tags: ["Push"],
      summary: "The server's VAPID public key (base64url), for PushManager.subscribe; null when push is off",
      responses: {
        200: json(z.object({ key: z.string().nullable() }).openapi("PushKey"), "The key, or null"),
        ...errors(401),
      },
    }),
    (c) => c.json({ key: vapidOf(c.env)?.publicKey ?? null }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/push/subscriptions",
      operationId: "subscribeToPush",
      tags: ["Push"],
      summary: "Push to this browser: its subscription, one per endpoint, bound to you",
      request: jsonBody(Subscription),
      responses: { 204: { description: "Subscribed" }, ...errors(400, 401, 404, 415) },
    }),
    async (c) => {
      if (!vapidOf(c.env)) throw notFound("Push is not configured on this server.");
      const subscription = c.req.valid("json");
      const refused = refusedEndpoint(c.env, subscription.endpoint);
      if (refused) throw invalid("That is not a push service's endpoint.", { endpoint: refused });
      await saveSubscription(database(c.env), c.var.user.id, subscription);
      await inboxObject(c.env, c.var.user.id).subscribedToPush();
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/push/subscriptions",
      operationId: "unsubscribeFromPush",
      tags: ["Push"],
      summary: "No more pushes to this browser (sign-out does this for the browser signing out)",
      request: jsonBody(Unsubscription),
      responses: { 204: { description: "Unsubscribed" }, ...errors(400, 401, 404, 415) },
    }),
    async (c) => {
      const removed = await removeSubscription(database(c.env), c.var.user.id, c.req.valid("json").endpoint);
      if (!removed) throw notFound("You have no subscription at that endpoint.");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/push/test",
      operationId: "sendTestPush",
      tags: ["Push"],
      summary: "Send yourself a test notification, to every browser you subscribed",
      responses: {
        200: json(z.object({ sent: z.number().int() }).openapi("TestPush"), "How many browsers took it"),
        ...errors(401, 404),
      },
    }),
    async (c) => {
      const vapid = vapidOf(c.env);
      if (!vapid) throw notFound("Push is not configured on this server.");
      const db = database(c.env);
      const subscriptions = await subscriptionsOf(db, c.var.user.id);
      const payload = JSON.stringify({
        room: 0,
        title: "Condor Chat",
        sender_name: "Condor Chat",
        preview: "Notifications work on this device.",
        message: 0,
        url: "/",
      } satisfies PushPayload);
      const outcomes = await Promise.all(
        subscriptions.map((row) =>
          deliver({ endpoint: row.endpoint, keys: { p256dh: row.p256dh, auth: row.auth } }, payload, vapid),
        ),
      );
      await dropSubscriptions(
        db,
        subscriptions.filter((_, i) => outcomes[i] === "gone").map((row) => row.endpoint),
      );
      return c.json({ sent: outcomes.filter((outcome) => outcome === "sent").length }, 200);
    },
  );
