/** No bad input, in a path id or a body, gets a 5xx or changes anything, on any route. */

import { describe, expect, it } from "vitest";
import { call, expectError, makeUser, snapshot } from "../support/api";
import { fetchDocument } from "../support/documented-routes";
import { idRoutes as idRoutesOf, type RouteRequest } from "../support/id-routes";
import { avatarForm, type World, world } from "../support/matrix-world";

const document = await fetchDocument();

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

  it("says what is wrong as sentences for people, keeping the code and each field's reason", async () => {
    const user = await makeUser();
    const badEmail = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { email: "not an address" },
    });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body).toEqual({
      error: "Enter a valid email address.",
      detail: "Enter a valid email address.",
      code: "invalid",
      fields: { email: "is not a valid email address" },
    });
    const blank = await call("POST", "/api/v1/rooms/", { token: user.access, json: { title: " ", participants: [] } });
    expect(blank.body).toMatchObject({
      detail: "The title must not be blank.",
      fields: { title: "must not be blank" },
    });
    const noRefresh = await call("POST", "/api/v1/refresh_token/", { json: {} });
    expect(noRefresh.body).toMatchObject({ detail: "The refresh token is required.", code: "invalid" });
  });

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
