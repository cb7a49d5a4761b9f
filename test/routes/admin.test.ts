/**
 * The admin routes under /api/admin, which `npm run manage` goes through: open to the
 * ADMIN_TOKEN secret only, absent without it, and a room's messages in and out by id.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomObject } from "../../durable/room";
import { MAX_ADMIN_BODY_BYTES } from "../../worker/routes/admin";
import { call, expectError, makeUser, snapshot } from "../support/api";

const TOKEN = "an-admin-token-for-the-tests-0123456789";
const asAdmin = { settings: { ADMIN_TOKEN: TOKEN }, headers: { authorization: `Bearer ${TOKEN}` } };
let nextRoom = 940_000;

const message = (id: number, content: string) => ({
  id,
  sender_id: 3,
  created_at: `2025-01-01T00:00:${String(id % 60).padStart(2, "0")}.000Z`,
  content,
});

const ROUTES: [string, (room: number) => string, unknown?][] = [
  ["GET", () => "/api/admin/"],
  ["POST", (room) => `/api/admin/rooms/${room}/messages`, { messages: [message(1, "sneaked in")] }],
  ["GET", (room) => `/api/admin/rooms/${room}/messages`],
  ["POST", () => "/api/admin/history/move", {}],
];

describe("the admin routes' door", () => {
  it.each(ROUTES)(
    "%s %s is not there while no admin token of 32 characters or more is set",
    async (method, path, json) => {
      const room = nextRoom++;
      for (const ADMIN_TOKEN of [undefined, "", "short-token"]) {
        const answer = await call(method, path(room), {
          json,
          settings: { ADMIN_TOKEN },
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        expectError(answer, 404, "not_found");
      }
    },
  );

  it.each(ROUTES)(
    "%s %s refuses a caller without the token, with another, or with a user's token",
    async (method, path, json) => {
      const room = nextRoom++;
      const superuser = await makeUser({ isSuperuser: true });
      const before = await snapshot();
      const tries: { what: string; headers: Record<string, string>; code: string }[] = [
        { what: "no token", headers: {}, code: "not_authenticated" },
        { what: "another token", headers: { authorization: `Bearer ${TOKEN}x` }, code: "authentication_failed" },
        {
          what: "a prefix of it",
          headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
          code: "authentication_failed",
        },
        {
          what: "a superuser's access token",
          headers: { authorization: `Bearer ${superuser.access}` },
          code: "authentication_failed",
        },
        { what: "the token, not as a bearer", headers: { authorization: TOKEN }, code: "not_authenticated" },
      ];
      for (const { what, headers, code } of tries) {
        const answer = await call(method, path(room), { json, settings: { ADMIN_TOKEN: TOKEN }, headers });
        expect(answer.status, what).toBe(401);
        expectError(answer, 401, code);
      }
      expect(await snapshot()).toEqual(before);
      const stored = await call("GET", `/api/admin/rooms/${room}/messages`, asAdmin);
      expect(stored.body.messages).toEqual([]);
    },
  );

  it("opens to the token", async () => {
    const answer = await call("GET", "/api/admin/", asAdmin);
    expect(answer).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("is not part of the API or its document", async () => {
    const document = await call("GET", "/api/v1/openapi.json");
    expect(Object.keys(document.body.paths).filter((path) => path.includes("admin"))).toEqual([]);
    expectError(await call("GET", "/api/v1/admin/", asAdmin), 404, "not_found");
  });
});

describe("a room's messages through the admin routes", () => {
  it("go in by id, twice changing nothing, and come out page by page as stored", async () => {
    const room = nextRoom++;
    const batch = {
      messages: [
        message(5, "five"),
        { ...message(6, ""), deleted_at: "2025-01-02T00:00:00+00:00" },
        message(7, "seven"),
      ],
      reads: [{ user_id: 3, last_read_id: 7 }],
    };
    for (let i = 0; i < 2; i++) {
      const stored = await call("POST", `/api/admin/rooms/${room}/messages`, { ...asAdmin, json: batch });
      expect(stored).toMatchObject({ status: 200, body: { held: 3 } });
    }
    const first = await call("GET", `/api/admin/rooms/${room}/messages?limit=2`, asAdmin);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      messages: [
        { ...message(5, "five"), client_id: null, edited_at: null, deleted_at: null },
        { ...message(6, ""), client_id: null, edited_at: null, deleted_at: "2025-01-02T00:00:00+00:00" },
      ],
      next: 6,
    });
    const rest = await call("GET", `/api/admin/rooms/${room}/messages?after=6`, asAdmin);
    expect(rest.body).toEqual({
      messages: [{ ...message(7, "seven"), client_id: null, edited_at: null, deleted_at: null }],
      next: null,
    });
  });

  it("take threads, mentions and reactions from another app's history, twice changing nothing", async () => {
    const room = nextRoom++;
    const batch = {
      messages: [
        { ...message(20, "a root"), reactions: [{ emoji: "🎉", users: [4] }] },
        { ...message(21, "a reply, @bob"), thread_root: 20, mentions: [4], reactions: [{ emoji: "👍🏼", users: [3] }] },
        message(22, "after the thread"),
      ],
    };
    for (let i = 0; i < 2; i++) {
      const stored = await call("POST", `/api/admin/rooms/${room}/messages`, { ...asAdmin, json: batch });
      expect(stored).toMatchObject({ status: 200, body: { held: 3 } });
    }
    const timeline = await roomObject(env, { id: room, jurisdiction: null }).history({ limit: 10 });
    expect(timeline.rows.map((row) => [row.id, row.reactions, row.thread?.reply_count])).toEqual([
      [20, [{ emoji: "🎉", users: [4] }], 1],
      [22, undefined, undefined],
    ]);
    const thread = await roomObject(env, { id: room, jurisdiction: null }).threadHistory({ thread: 20, limit: 10 });
    expect(thread!.rows.map((row) => [row.id, row.threadRoot, row.mentions, row.reactions])).toEqual([
      [21, 20, [4], [{ emoji: "👍🏼", users: [3] }]],
    ]);
  });

  it("answers bad input with 400 naming the field, and stores nothing of it", async () => {
    const room = nextRoom++;
    const bad: [string, unknown][] = [
      ["messages.0.id", { messages: [{ ...message(1, "x"), id: -1 }] }],
      ["messages.0.created_at", { messages: [{ ...message(1, "x"), created_at: "yesterday" }] }],
      ["messages.0.content", { messages: [message(1, "x".repeat(4001))] }],
      ["messages.0.sender_id", { messages: [{ ...message(1, "x"), sender_id: "3" }] }],
      ["reads.0.last_read_id", { reads: [{ user_id: 1, last_read_id: 1.5 }] }],
      ["messages.0.mentions.0", { messages: [{ ...message(1, "x"), mentions: [0] }] }],
      ["messages.0.thread_root", { messages: [{ ...message(1, "x"), thread_root: "2" }] }],
      [
        "messages.0.reactions.0.emoji",
        { messages: [{ ...message(1, "x"), reactions: [{ emoji: "ok", users: [1] }] }] },
      ],
      ["messages.0.reactions.0.users", { messages: [{ ...message(1, "x"), reactions: [{ emoji: "👍", users: [] }] }] }],
      ["messages", { messages: Array.from({ length: 1001 }, (_, i) => message(i + 1, "x")) }],
      ["messages.0.thread_root", { messages: [{ ...message(1, "x"), thread_root: 0 }] }],
      ["messages.0.mentions.0", { messages: [{ ...message(1, "x"), mentions: ["bob"] }] }],
      [
        "messages.0.reactions.0.emoji",
        { messages: [{ ...message(1, "x"), reactions: [{ emoji: ":tada:", users: [3] }] }] },
      ],
      ["messages.0.reactions.0.emoji", { messages: [{ ...message(1, "x"), reactions: [{ emoji: "❤", users: [3] }] }] }],
    ];
    for (const [field, json] of bad) {
      const answer = await call("POST", `/api/admin/rooms/${room}/messages`, { ...asAdmin, json });
      expectError(answer, 400, "invalid");
      expect(Object.keys(answer.body.fields), field).toContain(field);
    }
    expectError(await call("POST", "/api/admin/rooms/0/messages", { ...asAdmin, json: {} }), 400, "invalid");
    expectError(await call("GET", `/api/admin/rooms/${room}/messages?limit=0`, asAdmin), 400, "invalid");
    expectError(await call("POST", "/api/admin/history/move", { ...asAdmin, json: { limit: 501 } }), 400, "invalid");
    const notJson = await call("POST", `/api/admin/rooms/${room}/messages`, {
      ...asAdmin,
      body: "{not json",
      headers: { ...asAdmin.headers, "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect((await call("GET", `/api/admin/rooms/${room}/messages`, asAdmin)).body.messages).toEqual([]);
  });

  it(`answers a body over ${MAX_ADMIN_BODY_BYTES / 1024} KiB with 413`, async () => {
    const room = nextRoom++;
    const big = { messages: Array.from({ length: 600 }, (_, i) => message(i + 1, "é".repeat(4000))) };
    const answer = await call("POST", `/api/admin/rooms/${room}/messages`, { ...asAdmin, json: big });
    expectError(answer, 413, "too_large");
    expect((await call("GET", `/api/admin/rooms/${room}/messages`, asAdmin)).body.messages).toEqual([]);
  });
});
