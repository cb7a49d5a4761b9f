/**
 * What holds for every route at once: security headers on every answer, one JSON error shape,
 * who may call what (the access matrix), and that no bad input gets a 5xx or changes anything.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorResponse } from "../../core/errors";
import { createPublicApp } from "../../worker/app";
import { signedInUnless } from "../../worker/auth/require-user";
import { PUBLIC_ROUTES } from "../../worker/index";
import { type Answer, call, expectError, makeRoom, makeUser, sendToRoom, snapshot } from "../support/api";
import { assertCovers, documentedRoutes, fetchDocument, fillPath } from "../support/documented-routes";
import { idRoutes as idRoutesOf, type RouteRequest } from "../support/id-routes";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function avatarForm(): FormData {
  const form = new FormData();
  form.append("avatar", new File([PNG], "me.png", { type: "image/png" }));
  return form;
}

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

/** Everyone the matrix asks on behalf of, and the things they act on, made fresh per case. */
async function world() {
  const owner = await makeUser({ firstName: "Owner" });
  const member = await makeUser({ firstName: "Member" });
  const other = await makeUser({ firstName: "Other" });
  const admin = await makeUser({ isSuperuser: true });
  const newcomer = await makeUser();
  const room = await makeRoom(owner, [member], "matrix room");
  const sent = await sendToRoom(owner, room.id, "owner's message");
  const message = sent.messages.at(-1);
  return { owner, member, other, admin, newcomer, room, message };
}
type World = Awaited<ReturnType<typeof world>>;
type Caller = "anonymous" | "other" | "self" | "owner" | "superuser";

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
    { anonymous: 401, other: 404, self: 403, owner: 204, superuser: 404 },
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
const idRoutes = idRoutesOf(document, { "PUT /api/v1/profiles/{id}/pic/": avatarForm });

const badIds = ["abc", "-1", "0", "1.5", "1e3", "0x10", "99999999999999999999", "%20", "1%00", "%F0%9F%A6%85", "'1'"];

/** Every route that takes a JSON body, with a body it would accept. */
const jsonRoutes: [string, (w: World) => RouteRequest][] = [
  [
    "POST access_token/",
    (w) => ({ method: "POST", path: "/api/v1/access_token/", json: { username: w.owner.username, password: "wrong" } }),
  ],
  [
    "POST refresh_token/",
    (w) => ({ method: "POST", path: "/api/v1/refresh_token/", json: { refresh: w.owner.refresh } }),
  ],
  ["POST logout/", (w) => ({ method: "POST", path: "/api/v1/logout/", json: { refresh: w.owner.refresh } })],
  [
    "POST profiles/",
    () => ({ method: "POST", path: "/api/v1/profiles/", json: { username: "fresh", password: "long enough" } }),
  ],
  [
    "PATCH profiles/{id}/",
    (w) => ({ method: "PATCH", path: `/api/v1/profiles/${w.owner.id}/`, json: { first_name: "x" } }),
  ],
  ["POST rooms/", () => ({ method: "POST", path: "/api/v1/rooms/", json: { title: "x" } })],
  ["PATCH rooms/{id}/", (w) => ({ method: "PATCH", path: `/api/v1/rooms/${w.room.id}/`, json: { title: "x" } })],
  [
    "POST rooms/{id}/members/",
    (w) => ({ method: "POST", path: `/api/v1/rooms/${w.room.id}/members/`, json: { participants: [w.newcomer.id] } }),
  ],
  [
    "POST send_message_to_user/",
    (w) => ({ method: "POST", path: "/api/v1/send_message_to_user/", json: { user_id: w.member.id, message: "x" } }),
  ],
  [
    "POST send_message_to_room/",
    (w) => ({ method: "POST", path: "/api/v1/send_message_to_room/", json: { group_id: w.room.id, message: "x" } }),
  ],
  [
    "PATCH messages/{id}/",
    (w) => ({ method: "PATCH", path: `/api/v1/messages/${w.message.id}/`, json: { content: "x" } }),
  ],
];

/** Bodies no route accepts, each sent as JSON by the owner (a superuser for POST profiles/). */
const badBodies: [string, string, string?][] = [
  ["malformed JSON", "{not json"],
  ["truncated JSON", '{"title": "x"'],
  ["an empty body", ""],
  ["null", "null"],
  ["a number", "42"],
  ["a string", '"hello"'],
  ["an array", "[1, 2, 3]"],
  ["an empty object (missing fields)", "{}"],
  [
    "wrong types everywhere",
    JSON.stringify({
      username: 1,
      password: 2,
      refresh: 3,
      title: [],
      participants: "all",
      user_id: {},
      group_id: true,
      message: null,
      content: 5,
      first_name: 7,
    }),
  ],
  ["deeply nested", `${"[".repeat(5000)}${"]".repeat(5000)}`],
  ["invalid UTF-8", "\uFFFD", "binary"],
];

describe("bad input", () => {
  it.each(idRoutes.flatMap(([route, request]) => badIds.map((id) => ({ route, request, id }))))(
    "$route with id $id answers 400, changing nothing",
    async ({ request, id }) => {
      const admin = await makeUser({ isSuperuser: true });
      const before = await snapshot();
      const { method, path, json, body } = request(id);
      const answer = await call(method, path, { token: admin.access, json, body });
      expectError(answer, 400, "invalid");
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each(idRoutes)("%s with an id that fits but does not exist answers 404 or 400, never 5xx", async (_, request) => {
    const admin = await makeUser({ isSuperuser: true });
    const before = await snapshot();
    const { method, path, json, body } = request("999999999999999");
    const answer = await call(method, path, { token: admin.access, json, body });
    expect([400, 404]).toContain(answer.status);
    expectError(answer, answer.status);
    expect(await snapshot()).toEqual(before);
  });

  const badBodyCases = jsonRoutes
    .flatMap(([route, request]) => badBodies.map(([what, text, kind]) => ({ route, request, what, text, kind })))
    // Every field of a profile change is optional: {} is a valid PATCH that changes nothing.
    .filter(({ route, text }) => !(route === "PATCH profiles/{id}/" && text === "{}"));
  it.each(badBodyCases)("$route with $what answers 400, changing nothing", async ({ request, text, kind }) => {
    const w = await world();
    const { method, path } = request(w);
    const body = kind === "binary" ? new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) : text;
    const before = await snapshot();
    const answer = await call(method, path, {
      token: w.admin.access,
      body,
      headers: { "content-type": "application/json" },
    });
    expectError(answer, 400, "invalid");
    expect(await snapshot()).toEqual(before);
  });

  it.each(jsonRoutes)("%s with a body over 64 KiB answers 413, changing nothing", async (_, request) => {
    const w = await world();
    const { method, path, json } = request(w);
    const before = await snapshot();
    const huge = { ...(json as object), padding: "x".repeat(70_000) };
    expectError(await call(method, path, { token: w.admin.access, json: huge }), 413, "too_large");
    expect(await snapshot()).toEqual(before);
  });

  it.each(jsonRoutes)("%s with a form body instead of JSON answers 415, changing nothing", async (_, request) => {
    const w = await world();
    const { method, path } = request(w);
    const before = await snapshot();
    const answer = await call(method, path, {
      token: w.admin.access,
      body: "title=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectError(answer, 415, "unsupported_media_type");
    const plain = await call(method, path, {
      token: w.admin.access,
      body: '{"title":"x"}',
      headers: { "content-type": "text/plain" },
    });
    expectError(plain, 415, "unsupported_media_type");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses huge lists of participants with 400", async () => {
    const w = await world();
    const before = await snapshot();
    const many = Array.from({ length: 501 }, (_, i) => i + 1);
    expectError(
      await call("POST", "/api/v1/rooms/", { token: w.owner.access, json: { title: "x", participants: many } }),
      400,
    );
    expectError(
      await call("POST", `/api/v1/rooms/${w.room.id}/members/`, {
        token: w.owner.access,
        json: { participants: many },
      }),
      400,
    );
    expectError(
      await call("POST", "/api/v1/rooms/", {
        token: w.owner.access,
        json: { title: "x", participants: [1, "two", null] },
      }),
      400,
    );
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["a bad page size", "/api/v1/profiles/?limit=-5"],
    ["a repeated limit", "/api/v1/profiles/?limit=1&limit=2"],
    ["a huge offset", "/api/v1/rooms/?offset=99999999999999999999"],
    ["a repeated search term", "/api/v1/profiles/get_available_users/?full_name=a&full_name=b"],
    ["a huge search term", `/api/v1/profiles/get_available_users/?email=${"a".repeat(300)}`],
  ])("refuses %s in a query with 400", async (_, path) => {
    const user = await makeUser();
    expectError(await call("GET", path, { token: user.access }), 400, "invalid");
  });

  it.each(["é", "田中", "🦅", "O'Brien", '"quoted"', "100%", "_", "\\", "%_%", "'; DROP TABLE users; --", "a\u202Eb"])(
    "searches for %j without error, finding only what contains it",
    async (term) => {
      const user = await makeUser();
      const before = await snapshot();
      const answer = await call(
        "GET",
        `/api/v1/profiles/get_available_users/?full_name=${encodeURIComponent(term)}&email=${encodeURIComponent(term)}`,
        {
          token: user.access,
        },
      );
      expect(answer.status).toBe(200);
      for (const found of answer.body) expect(found.email.toLowerCase()).toContain(term.toLowerCase());
      expect(await snapshot()).toEqual(before);
    },
  );

  it("refuses a NUL in a search term with 400 rather than matching everyone", async () => {
    const user = await makeUser();
    const answer = await call("GET", "/api/v1/profiles/get_available_users/?full_name=%00", { token: user.access });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toHaveProperty("full_name");
  });

  it.each([
    ["a Basic header", "Basic dXNlcjpwYXNz"],
    ["an empty bearer", "Bearer "],
    ["two tokens", "Bearer a b"],
    ["a huge token", `Bearer ${"a".repeat(10_000)}`],
    ["a token of dots", "Bearer ..."],
  ])("refuses %s with 401", async (_, authorization) => {
    expectError(await call("GET", "/api/v1/profiles/me/", { headers: { authorization } }), 401);
    expectError(
      await call("POST", "/api/v1/profiles/", {
        headers: { authorization },
        json: { username: "sneaky", password: "long enough" },
      }),
      401,
    );
  });

  it("stores quotes, markup and unicode as plain text and answers them back unchanged", async () => {
    const w = await world();
    const title = `<img src=x onerror=alert(1)> "quotes" 'single' 🦅 \u202E`;
    const created = await call("POST", "/api/v1/rooms/", { token: w.owner.access, json: { title } });
    expect(created.status).toBe(201);
    expect(created.body.title).toBe(title);
    const renamed = await call("PATCH", `/api/v1/profiles/${w.owner.id}/`, {
      token: w.owner.access,
      json: { first_name: "<b>Ø'Neil</b>" },
    });
    expect(renamed.body.full_name).toBe("<b>Ø'Neil</b>");
  });
});
