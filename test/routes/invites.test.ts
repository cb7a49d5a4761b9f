/**
 * Invite links: made by superusers (or anyone when allowed), stored only as a hash, listed,
 * revoked; accepting one makes the account in the default rooms and signs in, never more
 * often than the link allows, and never once it expired or was revoked.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { invitedPassword } from "../../core/db/invited-password";
import { hashInviteCode } from "../../worker/auth/invite-codes";
import { MAX_FAILURES_PER_USERNAME } from "../../worker/auth/login-throttle";
import { call, expectError, makeRoom, makeUser, snapshot } from "../support/api";

let counter = 0;
const account = (prefix = "invited") => {
  counter += 1;
  return {
    username: `${prefix}${counter}_${crypto.randomUUID().slice(0, 6)}`,
    password: "a long password",
    first_name: "New",
    last_name: "Person",
    email: `${prefix}${counter}_${crypto.randomUUID().slice(0, 6)}@example.com`,
  };
};
/** Each test its own address, so one test's failures do not throttle another. */
const from = () => ({ "cf-connecting-ip": `203.0.113.${++counter}` });

async function makeInvite(who: { access: string }, json: Record<string, unknown> = {}) {
  const answer = await call("POST", "/api/v1/invites/", { token: who.access, json });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}
const accept = (code: string, json = account(), headers = from()) =>
  call("POST", `/api/v1/invites/${code}/accept/`, { json, headers });

describe("making invite links", () => {
  it("gives a superuser an unguessable code, its link, 7 days and no limit unless told", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const invite = await makeInvite(admin);
    expect(invite.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(invite.url).toBe(`http://chat.example/join/${invite.code}`);
    expect(invite.uses_left).toBeNull();
    const days = (Date.parse(invite.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    expect((await makeInvite(admin, { max_uses: 3, expires_in: 3600 })).uses_left).toBe(3);
  });

  it("keeps only the code's SHA-256 in D1, never the code", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const invite = await makeInvite(admin);
    const rows = (await env.DB.prepare("SELECT * FROM invites").all()).results;
    expect(JSON.stringify(rows)).not.toContain(invite.code);
    expect(rows.map((row) => row.code_hash)).toContain(await hashInviteCode(invite.code));
    expect(invite.id).toBe(await hashInviteCode(invite.code));
  });

  it("refuses anyone but a superuser, unless INVITES_BY_ANYONE is on", async () => {
    const user = await makeUser();
    const before = await snapshot();
    expectError(await call("POST", "/api/v1/invites/", { token: user.access, json: {} }), 403, "permission_denied");
    expect(await snapshot()).toEqual(before);
    const allowed = await call("POST", "/api/v1/invites/", {
      token: user.access,
      json: {},
      settings: { INVITES_BY_ANYONE: "true" },
    });
    expect(allowed.status).toBe(201);
  });

  it("refuses a lifetime or a use count out of bounds, naming the field", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const short = await call("POST", "/api/v1/invites/", { token: admin.access, json: { expires_in: 1 } });
    expectError(short, 400, "invalid");
    expect(Object.keys(short.body.fields)).toEqual(["expires_in"]);
    const none = await call("POST", "/api/v1/invites/", { token: admin.access, json: { max_uses: 0 } });
    expect(Object.keys(none.body.fields)).toEqual(["max_uses"]);
  });

  it("lists your own invites to you and everyone's to a superuser, without codes", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const user = await makeUser();
    const settings = { INVITES_BY_ANYONE: "true" };
    const mine = (await call("POST", "/api/v1/invites/", { token: user.access, json: {}, settings })).body;
    const theirs = await makeInvite(admin);
    const listOf = async (who: { access: string }) =>
      (await call("GET", "/api/v1/invites/", { token: who.access })).body.map((i: { id: string }) => i.id);
    expect(await listOf(user)).toEqual([mine.id]);
    expect(await listOf(admin)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    const listed = (await call("GET", "/api/v1/invites/", { token: user.access })).body[0];
    expect(listed).not.toHaveProperty("code");
    expect(JSON.stringify(listed)).not.toContain(mine.code);
  });
});

describe("accepting an invite link", () => {
  it("makes the account, puts it in the default rooms, signs it in and spends a use", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const general = await makeRoom(admin, [], "Lobby");
    await env.DB.prepare("UPDATE rooms SET is_default = 1 WHERE id = ?").bind(general.id).run();
    const invite = await makeInvite(admin, { max_uses: 2 });
    expect(await call("GET", `/api/v1/invites/${invite.code}/`, { headers: from() })).toMatchObject({
      status: 200,
      body: { uses_left: 2, expires_at: invite.expires_at },
    });
    const who = account();
    const accepted = await accept(invite.code, who);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    expect(accepted.body).toEqual({ access: expect.any(String), refresh: expect.any(String) });
    const me = await call("GET", "/api/v1/profiles/me/", { token: accepted.body.access });
    expect(me.body).toMatchObject({ username: who.username, email: who.email, is_superuser: false });
    const rooms = await call("GET", "/api/v1/rooms/", { token: accepted.body.access });
    expect(rooms.body.results.map((room: { id: number }) => room.id)).toEqual([general.id]);
    const listed = (await call("GET", "/api/v1/invites/", { token: admin.access })).body;
    expect(listed.find((i: { id: string }) => i.id === invite.id).uses_left).toBe(1);
  });

  it("makes one account when two race for the last use, and answers the other 410", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const invite = await makeInvite(admin, { max_uses: 1 });
    const answers = await Promise.all([accept(invite.code), accept(invite.code)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 410]);
    expectError(answers.find((a) => a.status === 410)!, 410, "gone");
    expect(answers.find((a) => a.status === 410)!.body.error).toMatch(/used/);
    const row = await env.DB.prepare("SELECT uses_left FROM invites WHERE code_hash = ?").bind(invite.id).first();
    expect(row).toEqual({ uses_left: 0 });
  });

  it("answers 410 to an expired link and changes nothing", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const invite = await makeInvite(admin);
    await env.DB.prepare("UPDATE invites SET expires_at = ? WHERE code_hash = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), invite.id)
      .run();
    const before = await snapshot();
    const answer = await accept(invite.code);
    expectError(answer, 410, "gone");
    expect(answer.body.error).toMatch(/expired/);
    expect(await snapshot()).toEqual(before);
    expectError(await call("GET", `/api/v1/invites/${invite.code}/`, { headers: from() }), 410, "gone");
  });

  it("answers 410 once revoked, by its maker or a superuser, and 404 to anyone else's revoking", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const stranger = await makeUser();
    const invite = await makeInvite(admin);
    expectError(await call("DELETE", `/api/v1/invites/${invite.code}/`, { token: stranger.access }), 404);
    expect((await call("DELETE", `/api/v1/invites/${invite.id}/`, { token: admin.access })).status).toBe(204);
    const answer = await accept(invite.code);
    expectError(answer, 410, "gone");
    expect(answer.body.error).toMatch(/revoked/);
    expect(
      (await call("GET", "/api/v1/invites/", { token: admin.access })).body.map((i: { id: string }) => i.id),
    ).not.toContain(invite.id);
  });

  it("answers 404 to a code that was never made", async () => {
    const answer = await accept("AAAAAAAAAAAAAAAAAAAAAA");
    expectError(answer, 404, "not_found");
  });

  it("refuses a taken username per field, and keeps the use", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const invite = await makeInvite(admin, { max_uses: 1 });
    const answer = await accept(invite.code, { ...account(), username: admin.username });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toEqual({ username: expect.stringContaining("already exists") });
    expect((await accept(invite.code)).status).toBe(201);
  });

  it("is throttled as signing in is: too many wrong codes get 429", async () => {
    const headers = from();
    for (let i = 0; i < MAX_FAILURES_PER_USERNAME; i++) {
      expectError(await accept("wrong-code-guess", account(), headers), 404);
    }
    const throttled = await accept("wrong-code-guess", account(), headers);
    expectError(throttled, 429, "throttled");
    expect(throttled.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("an invite link that opens an imported account", () => {
  /** An account as an import makes it: no password but its invite's placeholder. */
  async function importedAccount(admin: { access: string }) {
    const invite = await makeInvite(admin, { max_uses: 1 });
    const person = await makeUser({ email: `imported${++counter}@example.com`, firstName: "Carol" });
    await env.DB.prepare("UPDATE users SET password = ? WHERE id = ?")
      .bind(invitedPassword(invite.id), person.id)
      .run();
    return { invite, person };
  }

  it("names the account, then gives it the chosen username and password, keeping what the form left empty", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const { invite, person } = await importedAccount(admin);
    expect(await call("GET", `/api/v1/invites/${invite.code}/`, { headers: from() })).toMatchObject({
      status: 200,
      body: { username: person.username, uses_left: 1 },
    });
    const signIn = { username: person.username, password: "a long password" };
    expectError(await call("POST", "/api/v1/access_token/", { json: signIn, headers: from() }), 401);
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM users").first())!.n;
    const chosen = { ...account("carol"), first_name: "", email: "" };
    const accepted = await accept(invite.code, chosen);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    const me = await call("GET", "/api/v1/profiles/me/", { token: accepted.body.access });
    expect(me.body).toMatchObject({
      id: person.id,
      username: chosen.username,
      first_name: "Carol",
      last_name: "Person",
      email: person.email,
    });
    expect((await env.DB.prepare("SELECT count(*) AS n FROM users").first())!.n).toBe(before);
    expectError(await accept(invite.code, chosen), 410, "gone");
  });

  it("refuses a username someone else has, and changes nothing", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const { invite, person } = await importedAccount(admin);
    const before = await snapshot();
    expectError(await accept(invite.code, { ...account(), username: admin.username }), 400, "invalid");
    expect(await snapshot()).toEqual(before);
    // Its own username is not someone else's.
    const own = await accept(invite.code, { ...account(), username: person.username.toUpperCase() });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
  });
});
