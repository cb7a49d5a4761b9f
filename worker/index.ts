/**
 * Condor Chat's worker: the REST API under /api/v1, avatars under /media, readable API docs
 * at /api/docs, the admin routes of `npm run manage` under /api/admin, and the built client
 * for every other path.
 */

import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { ApiError, errorResponse, notFound } from "../core/errors";
import { createPublicApp } from "./app";
import { type RouteKey, signedInUnless } from "./auth/require-user";
import { sameOrigin } from "./auth/same-origin";
import { admin } from "./routes/admin";
import { attachmentFiles, attachments } from "./routes/attachments";
import { audit } from "./routes/audit";
import { avatars, media } from "./routes/avatars";
import { botPosts, bots } from "./routes/bots";
import { docsPage } from "./routes/docs";
import { inviteAcceptance, invites } from "./routes/invites";
import { messages } from "./routes/messages";
import { notifications } from "./routes/notifications";
import { openRooms } from "./routes/open-rooms";
import { profiles, signUp } from "./routes/profiles";
import { reactions } from "./routes/reactions";
import { rooms } from "./routes/rooms";
import { search } from "./routes/search";
import { send } from "./routes/send";
import { setup } from "./routes/setup";
import { sockets } from "./routes/sockets";
import { tokens } from "./routes/tokens";

export { Inbox } from "../durable/inbox";
export { Presence } from "../durable/presence";
export { Room } from "../durable/room";

/** Largest JSON body any route takes; avatars and attachments have their own, larger limits. */
const MAX_JSON_BYTES = 64 * 1024;
/** The uploads, which set their own body limits. */
const UPLOAD_PATH = /\/(pic|attachments)\/?$/;

/**
 * The only routes under /api/v1 that answer without a signed-in user; every other one,
 * present or future, needs an access token. Sign-up reads a caller if one is signed in.
 */
export const PUBLIC_ROUTES = [
  "POST /api/v1/access_token",
  "POST /api/v1/refresh_token",
  "POST /api/v1/logout",
  "POST /api/v1/profiles",
  "GET /api/v1/openapi.json",
  // The signed link is the permission: an <img> sends no token.
  "GET /api/v1/rooms/{id}/attachments/{attachment}",
  "GET /api/v1/setup",
  "POST /api/v1/setup",
  "GET /api/v1/invites/{code}",
  "POST /api/v1/invites/{code}/accept",
  // The bot's key in the path is its credential.
  "POST /api/v1/bots/{key}/rooms/{id}/messages",
] as const satisfies readonly RouteKey[];

const api = createPublicApp();
api.use("*", async (c, next) => {
  if (UPLOAD_PATH.test(c.req.path)) return next();
  return bodyLimit({
    maxSize: MAX_JSON_BYTES,
    onError: () => {
      throw new ApiError(413, `Request bodies can be at most ${MAX_JSON_BYTES / 1024} KiB.`, "too_large");
    },
  })(c, next);
});
api.use("*", signedInUnless(PUBLIC_ROUTES));
const routes = api
  .route("/", tokens)
  .route("/", setup)
  .route("/", invites)
  .route("/", inviteAcceptance)
  .route("/", signUp)
  .route("/", profiles)
  .route("/", avatars)
  .route("/", attachments)
  .route("/", attachmentFiles)
  // Before rooms, so /rooms/open is not taken for a room's id.
  .route("/", openRooms)
  .route("/", rooms)
  .route("/", send)
  .route("/", messages)
  .route("/", reactions)
  .route("/", search)
  .route("/", sockets)
  .route("/", notifications)
  .route("/", audit)
  .route("/", bots)
  .route("/", botPosts);

const openApiConfig = {
  openapi: "3.1.0",
  info: {
    title: "Condor Chat",
    version: "1",
    description: `The REST API of condor_chat, kept path for path, with the holes of the original closed. Every error is \`{error, detail, code, fields?}\`.

## Signing in
1. \`POST /api/v1/access_token/\` with \`{"username": "...", "password": "..."}\` answers \`{"access": "...", "refresh": "..."}\`.
2. Send the access token as \`Authorization: Bearer <access>\` (on this page: paste it as the bearer token under Authentication). It lasts 5 minutes.
3. \`POST /api/v1/refresh_token/\` with \`{"refresh": "..."}\` trades the refresh token (1 day, used once) for a new pair; \`POST /api/v1/logout/\` ends it.

## Live sockets
WebSocket upgrades, not listed below as operations: they answer \`101 Switching Protocols\`, which no "try it" button can show.
- \`GET /api/v1/rooms/{id}/socket/?after=<last id seen>\`: a room you take part in. First every message after \`after\`, then \`caught_up\`, then live frames in the room's one order.
- \`GET /api/v1/inbox/socket/\`: news of all your rooms (new messages, unread counts, rooms you were added to).

Both authenticate before the socket opens, with \`Authorization: Bearer <access>\` or, from a browser, the subprotocols \`["condor.v1", "bearer.<access>"]\`; never put a token in the URL. A plain GET answers 426, someone else's room 403. Frames are JSON objects with a \`type\`.`,
    // The package is private and names no license: none is granted until one is chosen.
    license: { name: "UNLICENSED", identifier: "LicenseRef-UNLICENSED" },
  },
  tags: [
    { name: "Tokens", description: "Signing in and out: access and refresh tokens (JWT)." },
    { name: "Setup", description: "First run: the first administrator, while no user exists." },
    { name: "Invites", description: "Links that let someone make their own account." },
    { name: "Profiles", description: "Users: who is there, who you can chat with, and your own profile." },
    { name: "Avatars", description: "Profile pictures, stored in R2 and served under /media/." },
    { name: "Rooms", description: "Group rooms and DMs, and who takes part in them." },
    { name: "Messages", description: "Sending, reading, editing and deleting messages." },
    { name: "Search", description: "Finding messages across your rooms." },
    { name: "Push", description: "Web Push: notifications to your browsers while the app is closed." },
    { name: "Moderation", description: "What superusers removed and deactivated." },
    { name: "Bots", description: "Bot users: posting with a key, and webhooks that answer mentions and DMs." },
  ],
  // Every route needs a bearer token unless its own contract says otherwise.
  security: [{ bearer: [] }],
};
api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "An access token from `POST /api/v1/access_token/`, valid for 5 minutes.",
});

const app = createPublicApp();
app.use(
  "*",
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", "data:", "blob:"],
      connectSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    // A file's answer sets its own stricter CSP (see routes/attachments.ts), which must stay.
    overwrite: false,
  }),
);
app.use("*", sameOrigin());
app.route("/api/v1", api);
/**
 * Routes are registered without the trailing slash (Hono's non-strict matching then takes
 * both); the document shows them with it, as the original's clients write them. Its server
 * is the origin it was asked from, so "try it" on /api/docs and a downloaded copy both
 * point at the deployment that served it.
 */
function openApiDocument(origin: string) {
  const document = api.getOpenAPI31Document({
    ...openApiConfig,
    servers: [{ url: origin, description: "This server" }],
  });
  document.paths = Object.fromEntries(
    Object.entries(document.paths ?? {}).map(([path, item]) => [`/api/v1${path}/`, item]),
  );
  return document;
}
app.get("/api/v1/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)));
app.get("/api/docs", (c) => c.html(docsPage(openApiDocument(new URL(c.req.url).origin))));
app.route("/media", media);
// Behind the admin token, not a user's: outside /api/v1 and its deny-by-default list.
app.route("/api/admin", admin);
app.all("/api/*", () => {
  throw notFound("No such API route.");
});
app.all("/media/*", () => {
  throw notFound("No such file.");
});
// Assets answer with immutable headers; a copy lets the security headers be added.
app.all("*", async (c) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  return new Response(asset.body, asset);
});
app.notFound(() => errorResponse(notFound("No such route.")));
app.onError((err) => errorResponse(err));

export type AppType = typeof routes;
export default app;
