/**
 * D1 or R2 failing a call: the client gets a clear 503 in the one error shape, and nothing
 * is left half-written. The real bindings are wrapped (test/support/failing-bindings.ts) so
 * that every call, or only the nth, fails as the services do.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Answer, call, expectError, makeRoom, makeUser, sendToRoom } from "../support/api";
import { type Failing, failingD1, failingR2 } from "../support/failing-bindings";

async function world() {
  const owner = await makeUser();
  const member = await makeUser();
  const newcomer = await makeUser();
  const admin = await makeUser({ isSuperuser: true });
  const room = await makeRoom(owner, [member]);
  const sent = await sendToRoom(owner, room.id, "first");
  return { owner, member, newcomer, admin, room, message: sent.messages.at(-1) };
}
type World = Awaited<ReturnType<typeof world>>;
type Request = { method: string; path: string; token?: string; json?: unknown; body?: BodyInit };

const png = () => {
  const form = new FormData();
  form.append(
    "avatar",
    new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])], "a.png", {
      type: "image/png",
    }),
  );
  return form;
};

/** Every route, each as a request that succeeds when storage works. */
const routes: [string, (w: World) => Request][] = [
  [
    "POST access_token/",
    (w) => ({
      method: "POST",
      path: "/api/v1/access_token/",
      json: { username: w.owner.username, password: w.owner.plainPassword },
    }),
  ],
  [
    "POST refresh_token/",
    (w) => ({ method: "POST", path: "/api/v1/refresh_token/", json: { refresh: w.owner.refresh } }),
  ],
  ["POST logout/", (w) => ({ method: "POST", path: "/api/v1/logout/", json: { refresh: w.owner.refresh } })],
  ["GET profiles/", (w) => ({ method: "GET", path: "/api/v1/profiles/", token: w.owner.access })],
  [
    "POST profiles/",
    (w) => ({
      method: "POST",
      path: "/api/v1/profiles/",
      token: w.admin.access,
      json: { username: `new_${crypto.randomUUID().slice(0, 8)}`, password: "long enough" },
    }),
  ],
  ["GET profiles/me/", (w) => ({ method: "GET", path: "/api/v1/profiles/me/", token: w.owner.access })],
  [
    "GET profiles/get_available_users/",
    (w) => ({ method: "GET", path: "/api/v1/profiles/get_available_users/", token: w.owner.access }),
  ],
  ["GET profiles/{id}/", (w) => ({ method: "GET", path: `/api/v1/profiles/${w.member.id}/`, token: w.owner.access })],
  [
    "PATCH profiles/{id}/",
    (w) => ({
      method: "PATCH",
      path: `/api/v1/profiles/${w.owner.id}/`,
      token: w.owner.access,
      json: { first_name: "Changed", password: "a new password", current_password: w.owner.plainPassword },
    }),
  ],
  [
    "DELETE profiles/{id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/profiles/${w.member.id}/`, token: w.admin.access }),
  ],
  [
    "PUT profiles/{id}/pic/",
    (w) => ({ method: "PUT", path: `/api/v1/profiles/${w.owner.id}/pic/`, token: w.owner.access, body: png() }),
  ],
  ["GET rooms/", (w) => ({ method: "GET", path: "/api/v1/rooms/", token: w.owner.access })],
  [
    "POST rooms/",
    (w) => ({
      method: "POST",
      path: "/api/v1/rooms/",
      token: w.owner.access,
      json: { title: "new", participants: [w.member.id] },
    }),
  ],
  ["GET rooms/{id}/", (w) => ({ method: "GET", path: `/api/v1/rooms/${w.room.id}/`, token: w.owner.access })],
  [
    "PATCH rooms/{id}/",
    (w) => ({
      method: "PATCH",
      path: `/api/v1/rooms/${w.room.id}/`,
      token: w.owner.access,
      json: { title: "renamed" },
    }),
  ],
  ["DELETE rooms/{id}/", (w) => ({ method: "DELETE", path: `/api/v1/rooms/${w.room.id}/`, token: w.owner.access })],
  [
    "GET rooms/{id}/messages/",
    (w) => ({ method: "GET", path: `/api/v1/rooms/${w.room.id}/messages/`, token: w.owner.access }),
  ],
  [
    "POST rooms/{id}/members/",
    (w) => ({
      method: "POST",
      path: `/api/v1/rooms/${w.room.id}/members/`,
      token: w.owner.access,
      json: { participants: [w.newcomer.id] },
    }),
  ],
  [
    "DELETE rooms/{id}/members/{user_id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/rooms/${w.room.id}/members/${w.member.id}/`, token: w.owner.access }),
  ],
  [
    "POST rooms/{id}/leave/",
    (w) => ({ method: "POST", path: `/api/v1/rooms/${w.room.id}/leave/`, token: w.member.access }),
  ],
  [
    "POST send_message_to_user/",
    (w) => ({
      method: "POST",
      path: "/api/v1/send_message_to_user/",
      token: w.owner.access,
      json: { user_id: w.newcomer.id, message: "hi" },
    }),
  ],
  [
    "POST send_message_to_room/",
    (w) => ({
      method: "POST",
      path: "/api/v1/send_message_to_room/",
      token: w.owner.access,
      json: { group_id: w.room.id, message: "hi" },
    }),
  ],
  [
    "PATCH messages/{id}/",
    (w) => ({
      method: "PATCH",
      path: `/api/v1/messages/${w.message.id}/`,
      token: w.owner.access,
      json: { content: "edited" },
    }),
  ],
  [
    "DELETE messages/{id}/",
    (w) => ({ method: "DELETE", path: `/api/v1/messages/${w.message.id}/`, token: w.owner.access }),
  ],
];

const TABLES = ["users", "rooms", "room_members", "message_blocks", "refresh_tokens", "login_failures"];

/** Every stored row (by rowid) and every avatar object, to prove what a failed request left behind. */
async function everything() {
  const objects = (await env.AVATARS.list()).objects.map((object) => object.key).sort();
  const rows: Record<string, Record<string, string>> = {};
  for (const table of TABLES) {
    const { results } = await env.DB.prepare(`SELECT rowid AS _rowid, * FROM ${table}`).all<{ _rowid: number }>();
    rows[table] = Object.fromEntries(results.map((row) => [String(row._rowid), JSON.stringify(row)]));
  }
  return { rows, objects };
}
type Everything = Awaited<ReturnType<typeof everything>>;

/**
 * What a request changed, as counts per table of rows added, removed and changed (and
 * objects added and removed): the same for the same request in a like world, whatever the
 * ids and timestamps.
 */
function changeShape(before: Everything, after: Everything): Record<string, string> {
  const shape: Record<string, string> = {};
  for (const table of TABLES) {
    const [was, now] = [before.rows[table], after.rows[table]];
    const added = Object.keys(now).filter((id) => !(id in was)).length;
    const removed = Object.keys(was).filter((id) => !(id in now)).length;
    const changed = Object.keys(now).filter((id) => id in was && was[id] !== now[id]).length;
    if (added || removed || changed) shape[table] = `+${added} -${removed} ~${changed}`;
  }
  const added = after.objects.filter((key) => !before.objects.includes(key)).length;
  const removed = before.objects.filter((key) => !after.objects.includes(key)).length;
  if (added || removed) shape.avatars = `+${added} -${removed}`;
  return shape;
}

function expectUnavailable(answer: Answer, what: string) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(503);
  expectError(answer, 503, "unavailable");
  expect(Number(answer.headers.get("retry-after")), what).toBeGreaterThan(0);
}

const send = (request: Request, settings: Partial<Env>) =>
  call(request.method, request.path, { token: request.token, json: request.json, body: request.body, settings });

describe("D1 failing every call", () => {
  it.each(routes)("%s answers 503 in the one error shape, changing nothing", async (route, request) => {
    const w = await world();
    const before = await everything();
    expectUnavailable(await send(request(w), { DB: failingD1(env.DB, { calls: "all" }) }), route);
    expect(await everything()).toEqual(before);
  });
});

describe("D1 failing one call in the middle", () => {
  it.each(routes)(
    "%s answers 503 with none or all of its change made, whichever call fails",
    async (route, request) => {
      // What the route changes, and how many D1 calls it makes, when all goes well.
      const probe = failingD1(env.DB, { calls: "nth", n: 0 });
      const probeWorld = await world();
      const probeBefore = await everything();
      const ok = await send(request(probeWorld), { DB: probe });
      expect(ok.status, JSON.stringify(ok.body)).toBeLessThan(300);
      const whole = changeShape(probeBefore, await everything());
      for (let n = 1; n <= probe.calls(); n++) {
        const what = `${route}, call ${n} of ${probe.calls()} failing`;
        const w = await world();
        const before = await everything();
        const answer = await send(request(w), { DB: failingD1(env.DB, { calls: "nth", n } satisfies Failing) });
        const made = changeShape(before, await everything());
        if (answer.status >= 300) {
          expectUnavailable(answer, what);
          // Nothing, or the whole change when only reading the answer failed: never a part of it.
          expect([{}, whole], what).toContainEqual(made);
        } else {
          expect(made, what).toEqual(whole);
        }
      }
    },
  );
});

describe("R2 failing", () => {
  it.each([1, 2, 3])(
    "an avatar upload with R2 call %i failing answers 503 or succeeds, leaving no stray object or pointer",
    async (n) => {
      const w = await world();
      // A first avatar, so that the upload also has an old one to remove.
      expect(
        (await call("PUT", `/api/v1/profiles/${w.owner.id}/pic/`, { token: w.owner.access, body: png() })).status,
      ).toBe(202);
      const before = await everything();
      const answer = await send(
        { method: "PUT", path: `/api/v1/profiles/${w.owner.id}/pic/`, token: w.owner.access, body: png() },
        { AVATARS: failingR2(env.AVATARS, { calls: "nth", n }) },
      );
      const after = await everything();
      if (answer.status >= 300) {
        expectUnavailable(answer, `R2 call ${n}`);
        expect(after).toEqual(before);
      } else {
        const key = (await env.DB.prepare("SELECT avatar_key FROM users WHERE id = ?")
          .bind(w.owner.id)
          .first<{ avatar_key: string }>())!.avatar_key;
        expect(after.objects).toContain(key);
      }
    },
  );

  it("serving an avatar while R2 fails answers 503", async () => {
    const w = await world();
    const uploaded = await call("PUT", `/api/v1/profiles/${w.owner.id}/pic/`, { token: w.owner.access, body: png() });
    expectUnavailable(
      await call("GET", uploaded.body.avatar, { settings: { AVATARS: failingR2(env.AVATARS, { calls: "all" }) } }),
      "GET avatar",
    );
  });
});
