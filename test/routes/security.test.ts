/**
 * What holds for every route at once: security headers on every answer, one JSON error shape,
 * and who may call what (the access matrix; the routes the OpenAPI document lists, and no others).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorResponse } from "../../core/errors";
import { toBase64Url } from "../../core/web-push";
import { createPublicApp } from "../../worker/app";
import { signedInUnless } from "../../worker/auth/require-user";
import { PUBLIC_ROUTES } from "../../worker/index";
import { type Answer, call, expectError, makeUser, snapshot } from "../support/api";
import { assertCovers, documentedRoutes, fetchDocument, fillPath } from "../support/documented-routes";
import type { RouteRequest } from "../support/id-routes";
import { attachmentForm, avatarForm, type Caller, type World, world } from "../support/matrix-world";

/** A browser's subscription as the API takes it: a well-formed P-256 point and auth secret. */
const PUSH_SUBSCRIPTION = {
  endpoint: "https://push.example.com/matrix",
  keys: { p256dh: toBase64Url(new Uint8Array(65).fill(1, 1).fill(4, 0, 1)), auth: toBase64Url(new Uint8Array(16)) },
};

function expectSecurityHeaders(answer: Answer, what: string) {
  expect(answer.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(answer.headers.get("x-frame-options"), what).toBe("DENY");
  expect(answer.headers.get("referrer-policy"), what).toBe("no-referrer");
  expect(answer.headers.get("content-security-policy"), what).toContain("frame-ancestors 'none'");
}

describe("security headers", () => {
  it("are on every kind of answer: the page, client routes, JSON, errors, docs and images", async () => {
    const user = await makeUser();
    const answers: [string, Answer][] = [
      ["the page", await call("GET", "/")],
      ["a client route", await call("GET", "/rooms/12")],
      ["JSON", await call("GET", "/api/v1/profiles/me/", { token: user.access })],
      ["401", await call("GET", "/api/v1/profiles/me/")],
      ["404", await call("GET", "/api/v1/no-such-thing/")],
      ["400", await call("POST", "/api/v1/access_token/", { json: {} })],
      ["413", await call("POST", "/api/v1/access_token/", { json: { username: "x".repeat(70_000) } })],
      ["the docs", await call("GET", "/api/docs")],
      ["the OpenAPI document", await call("GET", "/api/v1/openapi.json")],
      ["the default avatar", await call("GET", "/media/avatar_files/default_img.png")],
    ];
    for (const [what, answer] of answers) expectSecurityHeaders(answer, what);
    const page = answers[0][1];
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("content-security-policy")).not.toContain("unsafe-eval");
  });
});

describe("unknown API routes", () => {
  it.each([
    ["GET", "/api/v1/nope/"],
    ["GET", "/api/v1/"],
    ["GET", "/api/v2/profiles/"],
    ["POST", "/api/v1/profiles/me/pic/extra/"],
    ["PUT", "/api/v1/rooms/"],
    ["DELETE", "/api/v1/profiles/"],
    ["GET", "/api/v1/send_message_to_user/"],
    ["GET", "/media/other/thing.png"],
  ])("%s %s answers 404 in the one error shape", async (method, path) => {
    const user = await makeUser();
    expectError(await call(method, path, { token: user.access }), 404, "not_found");
    expectError(await call(method, path), 404, "not_found");
  });
});

/**
 * Each route: how to call it, and the status each kind of caller gets. For profile routes
 * "self" is the user the path names; for room routes "self" is a participant who is not the
 * owner, "owner" made the room (and sent its message), and the superuser is not in it.
 */
const matrix: [string, (w: World) => RouteRequest, Partial<Record<Caller, number>>][] = [
  // The token routes ignore any token sent with them: only the body counts.
  [
    "POST /api/v1/access_token/",
    (w) => ({
      method: "POST",
      path: "/api/v1/access_token/",
      json: { username: w.member.username, password: w.member.plainPassword },
    }),
    { anonymous: 200, other: 200, self: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/refresh_token/",
    (w) => ({ method: "POST", path: "/api/v1/refresh_token/", json: { refresh: w.member.refresh } }),
    { anonymous: 200, other: 200, self: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/logout/",
    (w) => ({ method: "POST", path: "/api/v1/logout/", json: { refresh: w.member.refresh } }),
    { anonymous: 200, other: 200, self: 200, superuser: 200 },
  ],
  [
    "GET /api/v1/setup/",
    () => ({ method: "GET", path: "/api/v1/setup/" }),
    { anonymous: 200, other: 200, superuser: 200 },
  ],
  // Users exist in every world: setup is done, for anyone.
  [
    "POST /api/v1/setup/",
    () => ({
      method: "POST",
      path: "/api/v1/setup/",
      json: { username: `late_${crypto.randomUUID().slice(0, 8)}`, password: "long enough" },
    }),
    { anonymous: 409, other: 409, superuser: 409 },
  ],
  [
    "POST /api/v1/invites/",
    () => ({ method: "POST", path: "/api/v1/invites/", json: { max_uses: 2 } }),
    { anonymous: 401, other: 403, self: 403, owner: 403, superuser: 201 },
  ],
  [
    "GET /api/v1/invites/",
    () => ({ method: "GET", path: "/api/v1/invites/" }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  // The world's invite is the superuser's: anyone else's revoking finds none.
  [
    "DELETE /api/v1/invites/{code}/",
    (w) => ({ method: "DELETE", path: `/api/v1/invites/${w.invite.code}/` }),
    { anonymous: 401, other: 404, self: 404, owner: 404, superuser: 204 },
  ],
  // Looking up and accepting an invite ignore any token: the code is what counts.
  [
    "GET /api/v1/invites/{code}/",
    (w) => ({ method: "GET", path: `/api/v1/invites/${w.invite.code}/` }),
    { anonymous: 200, other: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/invites/{code}/accept/",
    (w) => ({
      method: "POST",
      path: `/api/v1/invites/${w.invite.code}/accept/`,
      json: { username: `joined_${crypto.randomUUID().slice(0, 8)}`, password: "long enough" },
    }),
    { anonymous: 201, other: 201, superuser: 201 },
  ],
  [
    "GET /api/v1/profiles/",
    () => ({ method: "GET", path: "/api/v1/profiles/" }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/profiles/",
    () => ({
      method: "POST",
      path: "/api/v1/profiles/",
      json: { username: `made_${crypto.randomUUID().slice(0, 8)}`, password: "long enough" },
    }),
    { anonymous: 401, other: 403, self: 403, superuser: 201 },
  ],
  [
    "GET /api/v1/profiles/me/",
    () => ({ method: "GET", path: "/api/v1/profiles/me/" }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  [
    "GET /api/v1/profiles/get_available_users/",
    () => ({ method: "GET", path: "/api/v1/profiles/get_available_users/?full_name=member" }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  [
    "GET /api/v1/profiles/{id}/",
    (w) => ({ method: "GET", path: `/api/v1/profiles/${w.member.id}/` }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  [
    "PATCH /api/v1/profiles/{id}/",
    (w) => ({ method: "PATCH", path: `/api/v1/profiles/${w.member.id}/`, json: { first_name: "Changed" } }),
    { anonymous: 401, other: 403, self: 200, superuser: 200 },
  ],
  [
    "DELETE /api/v1/profiles/{id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/profiles/${w.member.id}/` }),
    { anonymous: 401, other: 403, self: 204, superuser: 204 },
  ],
  [
    "PUT /api/v1/profiles/{id}/pic/",
    (w) => ({ method: "PUT", path: `/api/v1/profiles/${w.member.id}/pic/`, body: avatarForm() }),
    { anonymous: 401, other: 403, self: 202, superuser: 202 },
  ],
  [
    "GET /api/v1/rooms/",
    () => ({ method: "GET", path: "/api/v1/rooms/" }),
    { anonymous: 401, other: 200, self: 200, owner: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/rooms/",
    (w) => ({ method: "POST", path: "/api/v1/rooms/", json: { title: "another", participants: [w.newcomer.id] } }),
    { anonymous: 401, other: 201, self: 201, owner: 201, superuser: 201 },
  ],
  [
    "GET /api/v1/rooms/open/",
    () => ({ method: "GET", path: "/api/v1/rooms/open/" }),
    { anonymous: 401, other: 200, self: 200, owner: 200, superuser: 200 },
  ],
  // The matrix room is closed: joining it is for nobody outside it, and no news to those in it.
  [
    "POST /api/v1/rooms/{id}/join/",
    (w) => ({ method: "POST", path: `/api/v1/rooms/${w.room.id}/join/` }),
    { anonymous: 401, other: 404, self: 200, owner: 200, superuser: 404 },
  ],
  [
    "GET /api/v1/rooms/{id}/",
    (w) => ({ method: "GET", path: `/api/v1/rooms/${w.room.id}/` }),
    { anonymous: 401, other: 403, self: 200, owner: 200, superuser: 403 },
  ],
  [
    "PATCH /api/v1/rooms/{id}/",
    (w) => ({ method: "PATCH", path: `/api/v1/rooms/${w.room.id}/`, json: { title: "renamed" } }),
    { anonymous: 401, other: 403, self: 403, owner: 200, superuser: 200 },
  ],
  [
    "DELETE /api/v1/rooms/{id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/rooms/${w.room.id}/` }),
    { anonymous: 401, other: 403, self: 403, owner: 204, superuser: 204 },
  ],
  [
    "GET /api/v1/rooms/{id}/messages/",
    (w) => ({ method: "GET", path: `/api/v1/rooms/${w.room.id}/messages/` }),
    { anonymous: 401, other: 403, self: 200, owner: 200, superuser: 403 },
  ],
  [
    "POST /api/v1/rooms/{id}/attachments/",
    (w) => ({ method: "POST", path: `/api/v1/rooms/${w.room.id}/attachments/`, body: attachmentForm() }),
    { anonymous: 401, other: 403, self: 201, owner: 201, superuser: 403 },
  ],
  // The signed link is the permission: whoever holds it gets the file, token or not.
  [
    "GET /api/v1/rooms/{id}/attachments/{attachment}/",
    (w) => ({ method: "GET", path: w.file.url }),
    { anonymous: 200, other: 200, self: 200, owner: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/rooms/{id}/members/",
    (w) => ({ method: "POST", path: `/api/v1/rooms/${w.room.id}/members/`, json: { participants: [w.newcomer.id] } }),
    { anonymous: 401, other: 403, self: 200, owner: 200, superuser: 403 },
  ],
  [
    "DELETE /api/v1/rooms/{id}/members/{user_id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/rooms/${w.room.id}/members/${w.member.id}/` }),
    { anonymous: 401, other: 403, self: 204, owner: 204, superuser: 204 },
  ],
  [
    "POST /api/v1/rooms/{id}/leave/",
    (w) => ({ method: "POST", path: `/api/v1/rooms/${w.room.id}/leave/` }),
    { anonymous: 401, other: 403, self: 204, owner: 204, superuser: 403 },
  ],
  [
    "PATCH /api/v1/rooms/{id}/membership/",
    (w) => ({ method: "PATCH", path: `/api/v1/rooms/${w.room.id}/membership/`, json: { notify: "nothing" } }),
    { anonymous: 401, other: 403, self: 200, owner: 200, superuser: 403 },
  ],
  [
    "GET /api/v1/push/key/",
    () => ({ method: "GET", path: "/api/v1/push/key/" }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/push/subscriptions/",
    () => ({ method: "POST", path: "/api/v1/push/subscriptions/", json: PUSH_SUBSCRIPTION }),
    { anonymous: 401, other: 204, self: 204, superuser: 204 },
  ],
  [
    // The world subscribes no browser, so no one has one to remove (push.test.ts removes one's own).
    "DELETE /api/v1/push/subscriptions/",
    () => ({ method: "DELETE", path: "/api/v1/push/subscriptions/", json: { endpoint: PUSH_SUBSCRIPTION.endpoint } }),
    { anonymous: 401, other: 404, self: 404, superuser: 404 },
  ],
  [
    "POST /api/v1/push/test/",
    () => ({ method: "POST", path: "/api/v1/push/test/" }),
    { anonymous: 401, other: 200, self: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/send_message_to_room/",
    (w) => ({ method: "POST", path: "/api/v1/send_message_to_room/", json: { group_id: w.room.id, message: "hi" } }),
    { anonymous: 401, other: 403, self: 201, owner: 201, superuser: 403 },
  ],
  [
    "POST /api/v1/send_message_to_user/",
    (w) => ({ method: "POST", path: "/api/v1/send_message_to_user/", json: { user_id: w.member.id, message: "hi" } }),
    // "self" here is the receiver, sending to themselves.
    { anonymous: 401, other: 201, self: 400, owner: 201, superuser: 201 },
  ],
  [
    "PATCH /api/v1/messages/{id}/",
    (w) => ({ method: "PATCH", path: `/api/v1/messages/${w.message.id}/`, json: { content: "edited" } }),
    { anonymous: 401, other: 404, self: 403, owner: 200, superuser: 404 },
  ],
  [
    "DELETE /api/v1/messages/{id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/messages/${w.message.id}/` }),
    // A superuser removes anyone's message, in a room they are not in too (moderation).
    { anonymous: 401, other: 404, self: 403, owner: 204, superuser: 204 },
  ],
  [
    "GET /api/v1/audit/",
    () => ({ method: "GET", path: "/api/v1/audit/" }),
    { anonymous: 401, other: 403, self: 403, owner: 403, superuser: 200 },
  ],
  [
    "PUT /api/v1/messages/{id}/reactions/{emoji}/",
    (w) => ({ method: "PUT", path: `/api/v1/messages/${w.message.id}/reactions/${encodeURIComponent("👍")}/` }),
    { anonymous: 401, other: 404, self: 200, owner: 200, superuser: 404 },
  ],
  [
    "DELETE /api/v1/messages/{id}/reactions/{emoji}/",
    (w) => ({ method: "DELETE", path: `/api/v1/messages/${w.message.id}/reactions/${encodeURIComponent("👍")}/` }),
    { anonymous: 401, other: 404, self: 200, owner: 200, superuser: 404 },
  ],
  [
    "GET /api/v1/search/",
    () => ({ method: "GET", path: "/api/v1/search/?q=hello" }),
    { anonymous: 401, other: 200, self: 200, owner: 200, superuser: 200 },
  ],
  [
    "POST /api/v1/bots/",
    () => ({
      method: "POST",
      path: "/api/v1/bots/",
      json: { username: `bot_${crypto.randomUUID().slice(0, 8)}`, full_name: "Bot" },
    }),
    { anonymous: 401, other: 403, self: 403, owner: 403, superuser: 201 },
  ],
  [
    "GET /api/v1/bots/",
    () => ({ method: "GET", path: "/api/v1/bots/" }),
    { anonymous: 401, other: 403, self: 403, owner: 403, superuser: 200 },
  ],
  [
    "POST /api/v1/bots/{id}/key/",
    (w) => ({ method: "POST", path: `/api/v1/bots/${w.bot.id}/key/` }),
    { anonymous: 401, other: 403, self: 403, owner: 403, superuser: 200 },
  ],
  [
    "DELETE /api/v1/bots/{id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/bots/${w.bot.id}/` }),
    { anonymous: 401, other: 403, self: 403, owner: 403, superuser: 204 },
  ],
  // The key in the path is the credential: any token sent beside it is not looked at.
  [
    "POST /api/v1/bots/{key}/rooms/{id}/messages/",
    (w) => ({
      method: "POST",
      path: `/api/v1/bots/${w.bot.key}/rooms/${w.room.id}/messages/`,
      body: "Deploy finished",
    }),
    { anonymous: 201, other: 201, self: 201, superuser: 201 },
  ],
  [
    "GET /api/v1/openapi.json",
    () => ({ method: "GET", path: "/api/v1/openapi.json" }),
    { anonymous: 200, other: 200, superuser: 200 },
  ],
  ["GET /api/docs", () => ({ method: "GET", path: "/api/docs" }), { anonymous: 200, other: 200, superuser: 200 }],
];

const tokenOf = (w: World, caller: Caller) =>
  ({
    anonymous: undefined,
    other: w.other.access,
    self: w.member.access,
    owner: w.owner.access,
    superuser: w.admin.access,
  })[caller];

/** Rows for routes outside the OpenAPI document: the document itself and the docs page. */
const UNDOCUMENTED = ["GET /api/v1/openapi.json", "GET /api/docs"];
const document = await fetchDocument();
const rows = new Map(matrix.map(([route, request, expected]) => [route, { request, expected }]));

describe("access matrix", () => {
  it("has a row for every route the OpenAPI document lists, and none for a route it does not", () => {
    assertCovers(document, rows.keys(), "the access matrix");
    const documented = new Set(documentedRoutes(document).map((route) => route.key));
    expect([...rows.keys()].filter((route) => !documented.has(route))).toEqual(UNDOCUMENTED);
  });

  it("fails when a route is documented without a row saying who may call it", () => {
    const withNewRoute = {
      ...document,
      paths: { ...document.paths, "/api/v1/rooms/{id}/pins/": { post: { summary: "Pin a message" } } },
    };
    expect(() => assertCovers(withNewRoute, rows.keys(), "the access matrix")).toThrow(
      "POST /api/v1/rooms/{id}/pins/ is missing from the access matrix",
    );
  });

  const routes = [...documentedRoutes(document).map((route) => route.key), ...UNDOCUMENTED];
  const cases = routes.flatMap((route) =>
    Object.entries(rows.get(route)?.expected ?? {}).map(([caller, status]) => ({
      route,
      request: rows.get(route)!.request,
      caller: caller as Caller,
      status: status!,
    })),
  );
  it.each(cases)("$route as $caller answers $status", async ({ request, caller, status }) => {
    const w = await world();
    const { method, path, json, body } = request(w);
    const before = await snapshot();
    const answer = await call(method, path, { token: tokenOf(w, caller), json, body });
    if (status >= 400) {
      expectError(answer, status);
      expect(await snapshot(), "a refused request changes nothing").toEqual(before);
    } else {
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    }
  });
});

describe("deny by default", () => {
  const signedIn = documentedRoutes(document).filter((route) => !route.isPublic);
  it.each(signedIn)("$key answers 401 without a token", async ({ method, path }) => {
    expectError(await call(method, fillPath(path, 1)), 401, "not_authenticated");
  });

  it("lets through without a token only the routes the document says anyone may call", () => {
    const documentedPublic = documentedRoutes(document)
      .filter((route) => route.isPublic)
      .map((route) => route.key);
    const listed = PUBLIC_ROUTES.filter((route) => !UNDOCUMENTED.includes(route)).map((route) => `${route}/`);
    expect(listed.sort()).toEqual(documentedPublic.sort());
  });

  it("needs a token for a route that a sub-app adds without putting it on the public list", async () => {
    const app = createPublicApp();
    app.use("*", signedInUnless(["GET /open"]));
    app.get("/open", (c) => c.text("open")).get("/forgotten", (c) => c.text("secret"));
    app.onError((err) => errorResponse(err));
    const forgotten = await app.request("/forgotten", {}, env);
    expect(forgotten.status).toBe(401);
    expect(await forgotten.json()).toMatchObject({ code: "not_authenticated" });
    expect((await app.request("/open", {}, env)).status).toBe(200);
    expect((await app.request("/nowhere", {}, env)).status).toBe(404);
  });
});

/** Every route that takes an id in its path, the avatar upload included. */
