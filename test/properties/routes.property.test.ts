/**
 * Generated bad input over every REST route: whatever the body, path id or query, the answer
 * is never a 5xx, a refusal is the one error shape, and a refused request changes nothing.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type Answer, call, expectError, makeRoom, makeUser, sendToRoom, snapshot } from "../support/api";
import { documentedRoutes, fetchDocument, fillPath } from "../support/documented-routes";
import { idRoutes as idRoutesOf } from "../support/id-routes";
import { makeBot } from "../support/matrix-world";
import { bodyLike, idSegment, nastyString, queryValue, RUNS } from "./arbitraries";

/** A superuser who owns a room with a member and a message: the caller that gets furthest. */
async function world() {
  const owner = await makeUser({ isSuperuser: true, firstName: "Owner" });
  const member = await makeUser({ firstName: "Member" });
  const room = await makeRoom(owner, [member], "property room");
  const sent = await sendToRoom(owner, room.id, "a message");
  const invite = (await call("POST", "/api/v1/invites/", { token: owner.access, json: {} })).body;
  const bot = await makeBot(owner, owner, room.id);
  return { owner, member, room, message: sent.messages.at(-1), invite, bot };
}
type World = Awaited<ReturnType<typeof world>>;

/** Checks one answer: no 5xx; a refusal in the one shape that left every row as it was. */
async function expectHandled(answer: Answer, before: unknown[], what: string) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
  if (answer.status >= 400) {
    expectError(answer, answer.status);
    expect(await snapshot(), `${what}: a refused request changes nothing`).toEqual(before);
  }
}

const document = await fetchDocument();
const routes = documentedRoutes(document);

/** A body each JSON route would accept; the bodies are generated around it. */
const GOOD_BODIES: Record<string, (w: World) => Record<string, unknown>> = {
  "POST /api/v1/access_token/": () => ({ username: "someone", password: "a password" }),
  "POST /api/v1/refresh_token/": () => ({ refresh: "x.y.z" }),
  "POST /api/v1/logout/": () => ({ refresh: "x.y.z" }),
  "POST /api/v1/profiles/": () => ({
    username: "fresh_user",
    password: "long enough",
    email: "a@b.example",
    first_name: "F",
    last_name: "L",
  }),
  "POST /api/v1/setup/": () => ({
    username: "first_admin",
    password: "long enough",
    email: "a@b.example",
    first_name: "F",
    last_name: "L",
  }),
  "POST /api/v1/invites/": () => ({ expires_in: 3600, max_uses: 5 }),
  "POST /api/v1/invites/{code}/accept/": () => ({
    username: "invited_user",
    password: "long enough",
    email: "i@b.example",
    first_name: "F",
    last_name: "L",
  }),
  "PATCH /api/v1/profiles/{id}/": () => ({
    first_name: "x",
    email: "m@b.example",
    is_active: true,
    password: "long enough",
    current_password: "x",
  }),
  "POST /api/v1/rooms/": () => ({ title: "a title", participants: [1], open: true, jurisdiction: "eu" }),
  "PATCH /api/v1/rooms/{id}/": () => ({ title: "a title", open: false }),
  "POST /api/v1/rooms/{id}/members/": () => ({ participants: [1] }),
  "POST /api/v1/send_message_to_user/": () => ({ user_id: 1, message: "hi", attachments: ["0".repeat(32)] }),
  "POST /api/v1/send_message_to_room/": (w) => ({
    group_id: 1,
    message: "hi",
    attachments: ["0".repeat(32)],
    reply_to: w.message.id,
    thread: w.message.id,
  }),
  "PATCH /api/v1/messages/{id}/": () => ({ content: "edited" }),
  "PATCH /api/v1/rooms/{id}/membership/": () => ({ notify: "mentions", hidden: false }),
  "POST /api/v1/push/subscriptions/": () => ({
    endpoint: "https://push.example.com/property",
    keys: { p256dh: `BA${"A".repeat(85)}`, auth: "A".repeat(22) },
  }),
  "DELETE /api/v1/push/subscriptions/": () => ({ endpoint: "https://push.example.com/property" }),
  "POST /api/v1/bots/": () => ({
    username: "property_bot",
    full_name: "Bot",
    webhook_url: "https://bots.example.com/hook",
  }),
  "POST /api/v1/bots/{key}/rooms/{id}/messages/": () => ({ content: "posted" }),
};

/** The world's own thing for each path parameter a documented route has. */
const pathOf = (path: string, w: World) =>
  fillPath(path, {
    id: path.startsWith("/api/v1/profiles/")
      ? w.member.id
      : path.startsWith("/api/v1/messages/")
        ? w.message.id
        : path.startsWith("/api/v1/bots/{id}")
          ? w.bot.id
          : w.room.id,
    user_id: w.member.id,
    attachment: "0".repeat(32),
    code: w.invite.code,
    key: w.bot.key,
  });

/** Every documented route that takes a JSON body. */
const jsonRoutes = routes
  .filter((route) => route.body === "json")
  .map((route) => [route.key, route.method, (w: World) => pathOf(route.path, w)] as const);

/** Every route with an id in its path (bodies valid where they need one). */
const idRoutes: ReturnType<typeof idRoutesOf> = [
  ...idRoutesOf(document),
  ["GET media/avatar_files/{name}", (id) => ({ method: "GET", path: `/media/avatar_files/${id}` })],
];

/** Every documented route that reads a query, with the parameters it documents. */
const queryRoutes = routes
  .filter((route) => route.queryParams.length > 0)
  .map((route) => [route.key, (w: World) => pathOf(route.path, w), route.queryParams] as const);

/**
 * A multipart body written out by hand, so that any name reaches the worker as a client
 * could send it: the runtime's own FormData refuses some (a filename ending in a
 * backslash, say) before a request is ever made.
 */
function multipart(field: string, name: string, bytes: Uint8Array, type: string, asFile: boolean) {
  const boundary = "condor-property-boundary";
  const encoder = new TextEncoder();
  const disposition = asFile ? `form-data; name="${field}"; filename="${name}"` : `form-data; name="${field}"`;
  const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${asFile && type ? `Content-Type: ${type}\r\n` : ""}\r\n`;
  const content = asFile ? bytes : encoder.encode(name);
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array([...encoder.encode(head), ...content, ...tail]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

// Sixty D1 round trips and two snapshots a run take about 5 s on a busy machine: past the default timeout.
describe("generated bad input over REST", { timeout: 30_000 }, () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  it("has a good body for every documented JSON route", () => {
    expect(jsonRoutes.map(([key]) => key).filter((key) => !(key in GOOD_BODIES))).toEqual([]);
  });

  it.each(jsonRoutes)("%s never answers 5xx to any body, and a refusal changes nothing", async (key, method, path) => {
    await fc.assert(
      fc.asyncProperty(bodyLike(GOOD_BODIES[key](w)), async (json) => {
        const before = await snapshot();
        const answer = await call(method, path(w), { token: w.owner.access, json });
        await expectHandled(answer, before, `${method} ${path(w)} ${JSON.stringify(json)?.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(idRoutes)("%s never answers 5xx to any id, and a refusal changes nothing", async (_, request) => {
    await fc.assert(
      fc.asyncProperty(idSegment, async (id) => {
        const { method, path, json } = request(id);
        const before = await snapshot();
        const answer = await call(method, path, { token: w.owner.access, json });
        await expectHandled(answer, before, `${method} ${path}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(queryRoutes)("%s never answers 5xx to any query", async (_, path, names) => {
    const query = fc.array(fc.tuple(fc.constantFrom(...names, "extra"), queryValue), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const search = pairs.map(([name, value]) => `${name}=${value}`).join("&");
        const before = await snapshot();
        const answer = await call("GET", `${path(w)}?${search}`, { token: w.owner.access });
        await expectHandled(answer, before, `GET ${path(w)}?${search}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("never answers 5xx to any header where a token belongs", async () => {
    await fc.assert(
      fc.asyncProperty(
        nastyString,
        fc.constantFrom("Bearer ", "bearer ", "Basic ", "", "Bearer  "),
        async (text, scheme) => {
          // Headers carry Latin-1 only: what a client could send at all.
          const value = `${scheme}${text}`.replace(/[^\x20-\x7e]/g, "?");
          const answer = await call("GET", "/api/v1/profiles/me/", { headers: { authorization: value } });
          expectError(answer, 401);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("never answers 5xx to any avatar upload, and stores only real image bytes", async () => {
    const upload = fc.record({
      field: fc.constantFrom("avatar", "avatar", "file", ""),
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 512 }),
        fc
          .uint8Array({ maxLength: 64 })
          .map((tail) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...tail])),
      ),
      name: nastyString,
      type: fc.constantFrom("image/png", "image/svg+xml", "text/html", "", "application/octet-stream"),
      asFile: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(upload, async ({ field, bytes, name, type, asFile }) => {
        const { body, contentType } = multipart(field, name, bytes, type, asFile);
        const before = await snapshot();
        const answer = await call("PUT", `/api/v1/profiles/${w.member.id}/pic/`, {
          token: w.owner.access,
          body,
          headers: { "content-type": contentType },
        });
        await expectHandled(
          answer,
          before,
          `upload ${JSON.stringify({ field, name, type, asFile, size: bytes.length })}`,
        );
        if (answer.status === 202) {
          const served = await call("GET", answer.body.avatar);
          expect(served.headers.get("content-type")).toMatch(/^image\/(png|jpeg|gif|webp)$/);
        }
      }),
      {
        numRuns: RUNS,
        // Once found by the property: a filename the runtime's FormData will not even build.
        examples: [
          [
            {
              field: "avatar",
              bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
              name: "\\",
              type: "image/png",
              asFile: true,
            },
          ],
        ],
      },
    );
  });
});
