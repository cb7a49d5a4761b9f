import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectError, makeUser, ORIGIN } from "../support/api";

const userKeys = [
  "avatar_url",
  "email",
  "first_name",
  "full_name",
  "id",
  "is_active",
  "is_online",
  "is_superuser",
  "last_name",
  "last_seen",
  "username",
];

describe("user shape", () => {
  it("has every key of the original plus the profile fields, with an absolute avatar URL from the request's origin", async () => {
    const user = await makeUser({ firstName: "Carlos", lastName: "Palmi", email: "carlos@example.com" });
    const { status, body } = await call("GET", `/api/v1/profiles/${user.id}/`, { token: user.access });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(userKeys);
    expect(body).toEqual({
      id: user.id,
      full_name: "Carlos Palmi",
      username: user.username,
      email: "carlos@example.com",
      avatar_url: `${ORIGIN}/media/avatar_files/default_img.png`,
      first_name: "Carlos",
      last_name: "Palmi",
      is_superuser: false,
      is_active: true,
      is_online: false,
      last_seen: null,
    });
  });

  it("uses the username as full_name when both names are empty, and trims a lone first name", async () => {
    const nameless = await makeUser();
    const firstOnly = await makeUser({ firstName: "carlos" });
    expect((await call("GET", `/api/v1/profiles/${nameless.id}/`, { token: nameless.access })).body.full_name).toBe(
      nameless.username,
    );
    expect((await call("GET", `/api/v1/profiles/${firstOnly.id}/`, { token: nameless.access })).body.full_name).toBe(
      "carlos",
    );
  });

  it("builds avatar_url from whatever origin the request came to", async () => {
    const user = await makeUser();
    const response = await exports.default.fetch(
      new Request("https://chat.other.example:8443/api/v1/profiles/me/", {
        headers: { authorization: `Bearer ${user.access}` },
      }),
    );
    expect((await response.json<{ avatar_url: string }>()).avatar_url).toBe(
      "https://chat.other.example:8443/media/avatar_files/default_img.png",
    );
  });
});

describe("GET /api/v1/profiles/me/", () => {
  it("answers the caller", async () => {
    const user = await makeUser();
    const { status, body } = await call("GET", "/api/v1/profiles/me/", { token: user.access });
    expect(status).toBe(200);
    expect(body.id).toBe(user.id);
  });
});

describe("GET /api/v1/profiles/", () => {
  it("answers DRF's limit/offset page with absolute next and previous links", async () => {
    const user = await makeUser();
    for (let i = 0; i < 3; i++) await makeUser();
    const all = await call("GET", "/api/v1/profiles/", { token: user.access });
    expect(all.status).toBe(200);
    expect(Object.keys(all.body).sort()).toEqual(["count", "next", "previous", "results"]);
    expect(all.body.count).toBe(all.body.results.length);
    expect(all.body.next).toBeNull();
    expect(all.body.previous).toBeNull();

    const page = await call("GET", "/api/v1/profiles/?limit=2&offset=1", { token: user.access });
    expect(page.body.results).toHaveLength(2);
    expect(page.body.results[0].id).toBe(all.body.results[1].id);
    expect(page.body.next).toBe(`${ORIGIN}/api/v1/profiles/?limit=2&offset=3`);
    // As DRF: the link back to the first page drops the offset.
    expect(page.body.previous).toBe(`${ORIGIN}/api/v1/profiles/?limit=2`);
  });

  it("pages by 100 by default", async () => {
    const user = await makeUser();
    const db = env.DB;
    const statements = Array.from({ length: 105 }, (_, i) =>
      db
        .prepare("INSERT INTO users (username, password, date_joined) VALUES (?, '!', '2020-01-01T00:00:00Z')")
        .bind(`bulk${i}`),
    );
    await db.batch(statements);
    const { body } = await call("GET", "/api/v1/profiles/", { token: user.access });
    expect(body.results).toHaveLength(100);
    expect(body.count).toBeGreaterThan(100);
    expect(body.next).toBe(`${ORIGIN}/api/v1/profiles/?limit=100&offset=100`);
  });

  it("hides inactive users from everyone but superusers", async () => {
    const user = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const gone = await makeUser({ isActive: false });
    const ids = async (token: string) => {
      const seen: number[] = [];
      for (let next = "/api/v1/profiles/"; next; ) {
        const { body } = await call("GET", next, { token });
        seen.push(...body.results.map((u: { id: number }) => u.id));
        next = body.next?.slice(ORIGIN.length);
      }
      return seen;
    };
    expect(await ids(user.access)).not.toContain(gone.id);
    expect(await ids(admin.access)).toContain(gone.id);
  });

  it("refuses a bad limit or offset with 400", async () => {
    const user = await makeUser();
    for (const query of ["limit=0", "limit=abc", "offset=-1", "limit=101", "offset=1e99"]) {
      expectError(await call("GET", `/api/v1/profiles/?${query}`, { token: user.access }), 400, "invalid");
    }
  });

  it("narrows to full_name matching a name or username, counted and paged within the match", async () => {
    const admin = await makeUser({ isSuperuser: true });
    await makeUser({ username: "wlima1", firstName: "Wana", lastName: "Lima" });
    await makeUser({ username: "wlima2", firstName: "Wanda", lastName: "Lima" });
    await makeUser({ username: "wanalima", isActive: false });
    await makeUser({ username: "someone_else", firstName: "Bea" });
    const first = await call("GET", "/api/v1/profiles/?full_name=WAN&limit=2", { token: admin.access });
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(3);
    expect(first.body.results.map((u: { username: string }) => u.username)).toEqual(["wlima1", "wlima2"]);
    expect(first.body.next).toBe(`${ORIGIN}/api/v1/profiles/?full_name=WAN&limit=2&offset=2`);
    const second = await call("GET", first.body.next.slice(ORIGIN.length), { token: admin.access });
    expect(second.body.results.map((u: { username: string }) => u.username)).toEqual(["wanalima"]);
    const named = await call("GET", "/api/v1/profiles/?full_name=wanda%20li", { token: admin.access });
    expect(named.body.results.map((u: { username: string }) => u.username)).toEqual(["wlima2"]);
    const none = await call("GET", "/api/v1/profiles/?full_name=nobody-like-this", { token: admin.access });
    expect(none.body).toMatchObject({ count: 0, next: null, previous: null, results: [] });
  });

  it("refuses a full_name longer than any name, or holding a NUL, with 400", async () => {
    const user = await makeUser();
    for (const query of [`full_name=${"a".repeat(151)}`, "full_name=a%00b"]) {
      expectError(await call("GET", `/api/v1/profiles/?${query}`, { token: user.access }), 400, "invalid");
    }
  });
});

describe("GET /api/v1/profiles/{id}/", () => {
  it("answers 404 for an unknown user, and for an inactive one unless a superuser asks", async () => {
    const user = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const gone = await makeUser({ isActive: false });
    expectError(await call("GET", "/api/v1/profiles/999999/", { token: user.access }), 404, "not_found");
    expectError(await call("GET", `/api/v1/profiles/${gone.id}/`, { token: user.access }), 404, "not_found");
    expect((await call("GET", `/api/v1/profiles/${gone.id}/`, { token: admin.access })).body.is_active).toBe(false);
  });

  it("answers without the trailing slash too", async () => {
    const user = await makeUser();
    expect((await call("GET", `/api/v1/profiles/${user.id}`, { token: user.access })).status).toBe(200);
  });
});

describe("GET /api/v1/profiles/get_available_users/", () => {
  const search = async (token: string, query = "") => {
    const answer = await call("GET", `/api/v1/profiles/get_available_users/${query}`, { token });
    expect(answer.status).toBe(200);
    return answer.body.map((u: { username: string }) => u.username);
  };

  it("lists every active user but the caller, as a plain list of user shapes", async () => {
    const me = await makeUser();
    const other = await makeUser();
    const gone = await makeUser({ isActive: false });
    const { body } = await call("GET", "/api/v1/profiles/get_available_users/", { token: me.access });
    expect(Array.isArray(body)).toBe(true);
    const names = body.map((u: { username: string }) => u.username);
    expect(names).toContain(other.username);
    expect(names).not.toContain(me.username);
    expect(names).not.toContain(gone.username);
    expect(Object.keys(body[0]).sort()).toEqual(userKeys);
  });

  it("matches full_name against username, first name, last name and 'first last', case-insensitively", async () => {
    const me = await makeUser();
    await makeUser({ username: "palmibb", firstName: "zcarlos", lastName: "zpalmiBB" });
    await makeUser({ username: "qfabra", firstName: "Qfabra", lastName: "" });
    expect(await search(me.access, "?full_name=ZCAR")).toEqual(["palmibb"]);
    expect(await search(me.access, "?full_name=ZPALMI")).toEqual(["palmibb"]);
    expect(await search(me.access, "?full_name=PALMIB")).toEqual(["palmibb"]);
    expect(await search(me.access, "?full_name=zcarlos%20zpalm")).toEqual(["palmibb"]);
    expect(await search(me.access, "?full_name=qfab")).toEqual(["qfabra"]);
    expect(await search(me.access, "?full_name=nobody-like-this")).toEqual([]);
  });

  it("matches email as a case-insensitive substring, AND-ed with full_name", async () => {
    const me = await makeUser();
    await makeUser({ username: "saitama", email: "one.punch@hero.example" });
    await makeUser({ username: "genos", email: "cyborg@hero.example" });
    expect(await search(me.access, "?email=HERO.example")).toEqual(["saitama", "genos"]);
    expect(await search(me.access, "?email=hero&full_name=sait")).toEqual(["saitama"]);
    expect(await search(me.access, "?email=cyborg&full_name=sait")).toEqual([]);
  });

  it("treats % _ \\ and quotes in a search as the characters themselves", async () => {
    const me = await makeUser();
    await makeUser({ username: "under_score", firstName: "50%", lastName: "O'Brien" });
    await makeUser({ username: "underxscore", firstName: "50x" });
    expect(await search(me.access, "?full_name=under_")).toEqual(["under_score"]);
    expect(await search(me.access, `?full_name=${encodeURIComponent("50%")}`)).toEqual(["under_score"]);
    expect(await search(me.access, `?full_name=${encodeURIComponent("O'Brien")}`)).toEqual(["under_score"]);
    expect(await search(me.access, `?full_name=${encodeURIComponent('"; DROP TABLE users; --')}`)).toEqual([]);
    expect(await search(me.access, `?full_name=${encodeURIComponent("\\")}`)).toEqual([]);
    expect(await search(me.access, "?full_name=%25")).toEqual(["under_score"]);
  });

  it("finds unicode names", async () => {
    const me = await makeUser();
    await makeUser({ username: "andres", firstName: "Andrésito", lastName: "Muñoz" });
    await makeUser({ username: "tanaka", firstName: "田中" });
    expect(await search(me.access, `?full_name=${encodeURIComponent("drésito")}`)).toEqual(["andres"]);
    expect(await search(me.access, `?full_name=${encodeURIComponent("Andrésito Muñ")}`)).toEqual(["andres"]);
    expect(await search(me.access, `?full_name=${encodeURIComponent("田")}`)).toEqual(["tanaka"]);
  });

  it("refuses a search term longer than any name with 400", async () => {
    const me = await makeUser();
    expectError(
      await call("GET", `/api/v1/profiles/get_available_users/?full_name=${"a".repeat(151)}`, { token: me.access }),
      400,
      "invalid",
    );
  });
});
