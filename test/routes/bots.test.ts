/**
 * Bots end to end: superusers make, list, rekey and deactivate them; a bot posts with its
 * key to the rooms it is in and can do nothing else; its webhook, a real HTTP server on
 * loopback (test/support/webhook-server.global.ts), hears of its mentions and DMs, signed,
 * and its answer comes back into the room as the bot. A webhook that never answers or
 * fails loses no message and holds up no send.
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it, vi } from "vitest";
import { signWebhook } from "../../core/bot-webhooks";
import { WEBHOOK_ATTEMPTS } from "../../durable/inbox-webhook";
import { call, expectError, historyOf, makeRoom, makeUser, sendToRoom, sendToUser, snapshot } from "../support/api";

type Kind = "text" | "json" | "quiet" | "fail" | "slow";
type Made = { id: number; key: string; webhook_secret: string; username: string; hookId: string };
type Call = { headers: Record<string, string>; body: string };

/** A webhook of the loopback server's, answering as `kind` says. */
function webhook(kind: Kind) {
  const id = crypto.randomUUID();
  return { id, url: `${inject("webhookServer")}/${kind}/${id}` };
}

/** The calls a webhook has had, once there are at least `count` (or after `waitMs`). */
async function callsTo(hookId: string, count = 1, waitMs = 8000): Promise<Call[]> {
  return (await fetch(`${inject("webhookServer")}/received/${hookId}?count=${count}&wait=${waitMs}`)).json();
}

let bots = 0;
/** A bot made by a superuser, with a webhook answering as `kind` says (none without one). */
async function makeBot(admin: { access: string }, kind?: Kind): Promise<Made> {
  bots += 1;
  const hook = kind ? webhook(kind) : undefined;
  const username = `bot${bots}_${crypto.randomUUID().slice(0, 6)}`;
  const answer = await call("POST", "/api/v1/bots/", {
    token: admin.access,
    json: { username, full_name: "Deploy Bot", ...(hook ? { webhook_url: hook.url } : {}) },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { ...answer.body, hookId: hook?.id ?? "" };
}

const postAs = (key: string, roomId: number, body: string, headers: Record<string, string> = {}) =>
  call("POST", `/api/v1/bots/${key}/rooms/${roomId}/messages/`, { body, headers });

/** A room of `owner`'s that the bot was added to, as a member adds anyone. */
async function roomWith(owner: { access: string }, bot: { id: number }, others: { id: number }[] = []) {
  return makeRoom(owner, [bot, ...others], "with a bot");
}

describe("managing bots", () => {
  it("lets a superuser make one: its key and webhook secret shown once, the bot a user with a badge", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const hook = webhook("quiet");
    const answer = await call("POST", "/api/v1/bots/", {
      token: admin.access,
      json: { username: "deploybot", full_name: "Deploy Bot", webhook_url: hook.url },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.any(Number),
      username: "deploybot",
      full_name: "Deploy Bot",
      webhook_url: hook.url,
      is_active: true,
      created_by: admin.id,
      created_at: expect.any(String),
      key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      webhook_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const stored = await env.DB.prepare("SELECT key_hash FROM bots WHERE user_id = ?").bind(answer.body.id).first();
    expect(stored?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await snapshot())).not.toContain(answer.body.key);
    const profile = await call("GET", `/api/v1/profiles/${answer.body.id}/`, { token: admin.access });
    expect(profile.body).toMatchObject({ username: "deploybot", full_name: "Deploy Bot", is_bot: true });
    const person = await call("GET", `/api/v1/profiles/${admin.id}/`, { token: admin.access });
    expect(person.body).not.toHaveProperty("is_bot");
  });

  it("lists every bot, without keys, to superusers only", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const listed = await call("GET", "/api/v1/bots/", { token: admin.access });
    expect(listed.status).toBe(200);
    const row = listed.body.find((b: { id: number }) => b.id === bot.id);
    expect(row).toMatchObject({ username: bot.username, webhook_url: null, is_active: true });
    expect(row).not.toHaveProperty("key");
    const person = await makeUser();
    expectError(await call("GET", "/api/v1/bots/", { token: person.access }), 403, "permission_denied");
  });

  it("refuses everyone but superusers with 403, changing nothing", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const person = await makeUser();
    const before = await snapshot();
    const asPerson = { token: person.access };
    expectError(await call("POST", "/api/v1/bots/", { ...asPerson, json: { username: "mine", full_name: "M" } }), 403);
    expectError(await call("POST", `/api/v1/bots/${bot.id}/key/`, asPerson), 403);
    expectError(await call("DELETE", `/api/v1/bots/${bot.id}/`, asPerson), 403);
    expectError(await call("POST", "/api/v1/bots/", { json: { username: "anon", full_name: "A" } }), 401);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["no username", { full_name: "X" }, "username"],
    ["a username with spaces", { username: "a b", full_name: "X" }, "username"],
    ["a blank name", { username: "blank_name", full_name: "  " }, "full_name"],
    ["a webhook that is no URL", { username: "nourl", full_name: "X", webhook_url: "not a url" }, "webhook_url"],
    ["a webhook on ftp", { username: "ftp", full_name: "X", webhook_url: "ftp://example.com/" }, "webhook_url"],
    ["a plain-http webhook", { username: "plain", full_name: "X", webhook_url: "http://example.com/" }, "webhook_url"],
    ["a private webhook", { username: "priv", full_name: "X", webhook_url: "https://10.0.0.1/" }, "webhook_url"],
    [
      "a cloud metadata webhook",
      { username: "meta", full_name: "X", webhook_url: "https://169.254.169.254/" },
      "webhook_url",
    ],
    ["a local name", { username: "local", full_name: "X", webhook_url: "https://printer.local/" }, "webhook_url"],
    ["a single-label name", { username: "single", full_name: "X", webhook_url: "https://intranet/" }, "webhook_url"],
    [
      "a webhook with credentials",
      { username: "creds", full_name: "X", webhook_url: "https://u:p@example.com/" },
      "webhook_url",
    ],
  ])("refuses %s with 400, changing nothing", async (_, json, field) => {
    const admin = await makeUser({ isSuperuser: true });
    const before = await snapshot();
    const answer = await call("POST", "/api/v1/bots/", { token: admin.access, json });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toHaveProperty(field);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a plain-http loopback webhook where the loopback allowance is off", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const answer = await call("POST", "/api/v1/bots/", {
      token: admin.access,
      json: { username: "loopy", full_name: "L", webhook_url: webhook("quiet").url },
      settings: { WEBHOOK_ALLOW_LOOPBACK: "false" },
    });
    expectError(answer, 400, "invalid");
  });

  it("refuses a username that is taken, whatever its case", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const answer = await call("POST", "/api/v1/bots/", {
      token: admin.access,
      json: { username: admin.username.toUpperCase(), full_name: "Copy" },
    });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toHaveProperty("username");
  });

  it("regenerates a key: the old one stops working, the new one and a new secret work", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const room = await roomWith(admin, bot);
    const rekeyed = await call("POST", `/api/v1/bots/${bot.id}/key/`, { token: admin.access });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body).toEqual({ id: bot.id, key: expect.any(String), webhook_secret: expect.any(String) });
    expect(rekeyed.body.key).not.toBe(bot.key);
    expect(rekeyed.body.webhook_secret).not.toBe(bot.webhook_secret);
    expectError(await postAs(bot.key, room.id, "old key"), 401);
    expect((await postAs(rekeyed.body.key, room.id, "new key")).status).toBe(201);
    expectError(await call("POST", `/api/v1/bots/${admin.id}/key/`, { token: admin.access }), 404, "not_found");
  });

  it("deactivates a bot: its key is revoked, and stays revoked if it is turned on again", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const room = await roomWith(admin, bot);
    expect((await call("DELETE", `/api/v1/bots/${bot.id}/`, { token: admin.access })).status).toBe(204);
    expectError(await postAs(bot.key, room.id, "after"), 401);
    const listed = await call("GET", "/api/v1/bots/", { token: admin.access });
    expect(listed.body.find((b: { id: number }) => b.id === bot.id).is_active).toBe(false);
    const on = await call("PATCH", `/api/v1/profiles/${bot.id}/`, { token: admin.access, json: { is_active: true } });
    expect(on.status).toBe(200);
    expectError(await postAs(bot.key, room.id, "back"), 401);
    expectError(await call("DELETE", `/api/v1/bots/${admin.id}/`, { token: admin.access }), 404, "not_found");
  });

  it("revokes the key of a bot deactivated as any user is, through its profile", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const room = await roomWith(admin, bot);
    expect((await call("DELETE", `/api/v1/profiles/${bot.id}/`, { token: admin.access })).status).toBe(204);
    const row = await env.DB.prepare("SELECT key_hash FROM bots WHERE user_id = ?").bind(bot.id).first();
    expect(row?.key_hash).toBeNull();
    expectError(await postAs(bot.key, room.id, "gone"), 401);
  });

  it("never signs a bot in, whatever password a superuser gives it", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const set = await call("PATCH", `/api/v1/profiles/${bot.id}/`, {
      token: admin.access,
      json: { password: "a password now" },
    });
    expect(set.status).toBe(200);
    const signIn = await call("POST", "/api/v1/access_token/", {
      json: { username: bot.username, password: "a password now" },
    });
    expectError(signIn, 401);
  });
});

describe("a bot's key", () => {
  it("posts plain text, as curl -d sends it, and JSON, as the bot", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const room = await roomWith(admin, bot);
    const curl = await postAs(bot.key, room.id, "Deploy finished", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(curl.status, JSON.stringify(curl.body)).toBe(201);
    expect(curl.body).toMatchObject({ room: room.id, sender: bot.id, content: "Deploy finished" });
    const text = await postAs(bot.key, room.id, "  plain  \n", { "content-type": "text/plain" });
    expect(text.body.content).toBe("plain");
    const json = await postAs(bot.key, room.id, JSON.stringify({ content: "from JSON" }), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(201);
    const none = await postAs(bot.key, room.id, "no type at all");
    expect(none.status).toBe(201);
    const history = await historyOf(admin.access, room.id);
    expect(history.map((m) => [m.content, (m as { sender?: number }).sender])).toEqual([
      ["Deploy finished", bot.id],
      ["plain", bot.id],
      ["from JSON", bot.id],
      ["no type at all", bot.id],
    ]);
  });

  it.each([
    ["an empty body", "", {}],
    ["a blank body", "   \n", { "content-type": "text/plain" }],
    ["malformed JSON", "{not json", { "content-type": "application/json" }],
    ["JSON without content", JSON.stringify({ text: "x" }), { "content-type": "application/json" }],
    ["JSON content that is no text", JSON.stringify({ content: 5 }), { "content-type": "application/json" }],
    ["JSON null", "null", { "content-type": "application/json" }],
    ["text too long", "x".repeat(4001), { "content-type": "text/plain" }],
  ])("refuses %s with 400, storing nothing", async (_, body, headers) => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const room = await roomWith(admin, bot);
    const before = await snapshot();
    expectError(await postAs(bot.key, room.id, body, headers), 400, "invalid");
    expect(await snapshot()).toEqual(before);
    expect(await historyOf(admin.access, room.id)).toEqual([]);
  });

  it("posts only to rooms the bot is in: 403 elsewhere, 404 for no room, 401 for no key", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const elsewhere = await makeRoom(admin, [], "not the bot's");
    expectError(await postAs(bot.key, elsewhere.id, "sneak"), 403, "permission_denied");
    expectError(await postAs(bot.key, 999_999_999, "nowhere"), 404, "not_found");
    expectError(await postAs("A".repeat(43), elsewhere.id, "guess"), 401);
    expectError(await postAs("short", elsewhere.id, "malformed"), 400, "invalid");
    expect(await historyOf(admin.access, elsewhere.id)).toEqual([]);
  });

  it("opens nothing else: as a bearer token it is no token, and the post's path reads nothing", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin);
    const room = await roomWith(admin, bot);
    for (const [method, path] of [
      ["GET", "/api/v1/profiles/me/"],
      ["GET", `/api/v1/rooms/${room.id}/`],
      ["GET", `/api/v1/rooms/${room.id}/messages/`],
      ["GET", "/api/v1/bots/"],
    ])
      expectError(await call(method, path, { token: bot.key }), 401);
    expectError(await call("GET", `/api/v1/bots/${bot.key}/rooms/${room.id}/messages/`), 404, "not_found");
    const sent = await call("POST", "/api/v1/send_message_to_room/", {
      token: bot.key,
      json: { group_id: room.id, message: "as a user" },
    });
    expectError(sent, 401);
    expect(await historyOf(admin.access, room.id)).toEqual([]);
  });
});

/** The room's history once it holds `count` messages. */
async function historyWith(token: string, roomId: number, count: number) {
  let history: { id: number; content: string; sender?: number; thread_root?: number }[] = [];
  await vi.waitFor(
    async () => {
      history = await historyOf(token, roomId);
      expect(history.length).toBeGreaterThanOrEqual(count);
    },
    { timeout: 10_000, interval: 100 },
  );
  return history;
}

describe("a bot's webhook", () => {
  it("hears of a mention, signed over its body, and its text answer is posted back as the bot", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const person = await makeUser({ firstName: "Ana", lastName: "Lima" });
    const bot = await makeBot(admin, "text");
    const room = await roomWith(admin, bot, [person]);
    await sendToRoom(person, room.id, `hey @${bot.username} deploy please`);
    const [received] = await callsTo(bot.hookId);
    expect(received.headers["content-type"]).toBe("application/json");
    expect(received.headers["x-condor-signature"]).toBe(signWebhook(bot.webhook_secret, received.body));
    expect(received.headers["x-condor-signature"]).not.toBe(signWebhook("another secret", received.body));
    const payload = JSON.parse(received.body);
    const history = await historyWith(person.access, room.id, 2);
    expect(received.headers["x-condor-delivery"]).toBe(`${room.id}-${history[0].id}`);
    expect(payload).toEqual({
      reason: "mention",
      bot: { id: bot.id, username: bot.username },
      room: { id: room.id, title: room.title, is_dm: false },
      sender: { id: person.id, username: person.username, full_name: "Ana Lima" },
      message: expect.objectContaining({ id: history[0].id, content: `hey @${bot.username} deploy please` }),
    });
    expect(history[1]).toMatchObject({ sender: bot.id, content: `echo: hey @${bot.username} deploy please` });
  });

  it("hears every message of a DM, and a JSON answer is posted back into the DM", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const person = await makeUser();
    const bot = await makeBot(admin, "json");
    const dm = await sendToUser(person, bot, "status?");
    const [received] = await callsTo(bot.hookId);
    expect(JSON.parse(received.body)).toMatchObject({ reason: "dm", room: { id: dm.id, is_dm: true } });
    const history = await historyWith(person.access, dm.id, 2);
    expect(history[1]).toMatchObject({ sender: bot.id, content: "json echo: status?" });
  });

  it("is not called for messages that do not name the bot, nor for the bot's own", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin, "text");
    const room = await roomWith(admin, bot);
    await sendToRoom(admin, room.id, "nothing for the bot");
    expect((await postAs(bot.key, room.id, `I am @${bot.username}`)).status).toBe(201);
    await sendToRoom(admin, room.id, `now @${bot.username}`);
    await callsTo(bot.hookId);
    const calls = await callsTo(bot.hookId, 2, 1500);
    expect(calls.map((c) => JSON.parse(c.body).message.content)).toEqual([`now @${bot.username}`]);
  });

  it("answers a thread reply in the thread", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin, "text");
    const room = await roomWith(admin, bot);
    const root = (await sendToRoom(admin, room.id, "the root")).messages.at(-1);
    const reply = await call("POST", "/api/v1/send_message_to_room/", {
      token: admin.access,
      json: { group_id: room.id, message: `@${bot.username} in here`, thread: root.id },
    });
    expect(reply.status).toBe(201);
    await callsTo(bot.hookId);
    await vi.waitFor(
      async () => {
        const thread = await call("GET", `/api/v1/rooms/${room.id}/messages/?thread=${root.id}`, {
          token: admin.access,
        });
        expect(thread.body.messages.at(-1)).toMatchObject({
          sender: bot.id,
          content: `echo: @${bot.username} in here`,
        });
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it("calls no bot for another bot's mention, so bots never answer each other forever", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const talker = await makeBot(admin, "text");
    const listener = await makeBot(admin, "text");
    const room = await makeRoom(admin, [talker, listener], "two bots");
    expect((await postAs(talker.key, room.id, `hi @${listener.username}`)).status).toBe(201);
    await sendToRoom(admin, room.id, `and @${listener.username} from a person`);
    await callsTo(listener.hookId);
    const calls = await callsTo(listener.hookId, 2, 1500);
    expect(calls.map((c) => JSON.parse(c.body).message.content)).toEqual([`and @${listener.username} from a person`]);
  });

  it("that never answers holds up no send and loses no message", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin, "slow");
    const room = await roomWith(admin, bot);
    await sendToRoom(admin, room.id, `@${bot.username} are you there?`);
    await callsTo(bot.hookId);
    // The send was answered while its webhook call is still waiting, so it never waited for it.
    const open = await (await fetch(`${inject("webhookServer")}/open/${bot.hookId}`)).json();
    expect(open).toEqual({ open: 1 });
    await sendToRoom(admin, room.id, "and another");
    const history = await historyOf(admin.access, room.id);
    expect(history.map((m) => m.content)).toEqual([`@${bot.username} are you there?`, "and another"]);
  });

  // The retries are 1 s and 5 s apart, as in production: longer than the 5 s a test has by default.
  it(`that fails is tried ${WEBHOOK_ATTEMPTS} times in all, and loses no message`, async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin, "fail");
    const room = await roomWith(admin, bot);
    await sendToRoom(admin, room.id, `@${bot.username} fail please`);
    const calls = await callsTo(bot.hookId, WEBHOOK_ATTEMPTS, 20_000);
    expect(calls).toHaveLength(WEBHOOK_ATTEMPTS);
    const deliveries = new Set(calls.map((c) => c.headers["x-condor-delivery"]));
    expect(deliveries.size).toBe(1);
    expect(await callsTo(bot.hookId, WEBHOOK_ATTEMPTS + 1, 1500)).toHaveLength(WEBHOOK_ATTEMPTS);
    expect((await historyOf(admin.access, room.id)).map((m) => m.content)).toEqual([`@${bot.username} fail please`]);
  }, 30_000);

  it("of a deactivated bot is not called", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const bot = await makeBot(admin, "text");
    const other = await makeBot(admin, "text");
    const room = await makeRoom(admin, [bot, other], "one gone");
    expect((await call("DELETE", `/api/v1/bots/${bot.id}/`, { token: admin.access })).status).toBe(204);
    await sendToRoom(admin, room.id, `@${bot.username} and @${other.username}`);
    await callsTo(other.hookId);
    expect(await callsTo(bot.hookId, 1, 1500)).toEqual([]);
  });
});
