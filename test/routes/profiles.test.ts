import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../core/db";
import { users } from "../../core/db/schema";
import { identityConflict } from "../../core/db/users";
import { call, expectError, makeUser, ORIGIN, snapshot } from "../support/api";

const signIn = (username: string, password: string) =>
  call("POST", "/api/v1/access_token/", { json: { username, password } });

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
});

describe("POST /api/v1/profiles/", () => {
  const newUser = (username: string) => ({
    username,
    first_name: "New",
    last_name: "Person",
    email: `${username}@example.com`,
    password: "secret-enough",
  });

  it("lets a superuser create a user who can then sign in", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const { status, body } = await call("POST", "/api/v1/profiles/", {
      token: admin.access,
      json: newUser("created1"),
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      username: "created1",
      full_name: "New Person",
      email: "created1@example.com",
      is_superuser: false,
      is_active: true,
    });
    expect(body.avatar_url).toBe(`${ORIGIN}/media/avatar_files/default_img.png`);
    expect(body).not.toHaveProperty("password");
    expect((await signIn("created1", "secret-enough")).status).toBe(200);
    const stored = await env.DB.prepare("SELECT password FROM users WHERE id = ?")
      .bind(body.id)
      .first<{ password: string }>();
    expect(stored!.password).toMatch(/^pbkdf2_sha256\$100000\$/);
  });

  it("refuses anonymous callers with 401 and other users with 403 while signup is off", async () => {
    const user = await makeUser();
    expectError(await call("POST", "/api/v1/profiles/", { json: newUser("anon1") }), 401, "not_authenticated");
    expectError(
      await call("POST", "/api/v1/profiles/", { token: user.access, json: newUser("anon2") }),
      403,
      "permission_denied",
    );
    expect((await signIn("anon1", "secret-enough")).status).toBe(401);
  });

  it("lets anyone sign up when ALLOW_SIGNUP is true", async () => {
    const { status, body } = await call("POST", "/api/v1/profiles/", {
      json: newUser("signup1"),
      settings: { ALLOW_SIGNUP: "true" },
    });
    expect(status).toBe(201);
    expect(body.is_superuser).toBe(false);
  });

  it("never lets a sign-up make itself a superuser or pick its id", async () => {
    const { status, body } = await call("POST", "/api/v1/profiles/", {
      json: { ...newUser("climber"), is_superuser: true, is_active: true, id: 1 },
      settings: { ALLOW_SIGNUP: "true" },
    });
    expect(status).toBe(201);
    expect(body.is_superuser).toBe(false);
    expect(body.id).not.toBe(1);
  });

  it("refuses a taken username (whatever its case) or email with 400 naming the field", async () => {
    const admin = await makeUser({ isSuperuser: true });
    await makeUser({ username: "TakenName", email: "taken@example.com" });
    const sameName = await call("POST", "/api/v1/profiles/", {
      token: admin.access,
      json: { ...newUser("takenname"), email: "" },
    });
    expectError(sameName, 400, "invalid");
    expect(Object.keys(sameName.body.fields)).toEqual(["username"]);
    const sameEmail = await call("POST", "/api/v1/profiles/", {
      token: admin.access,
      json: { ...newUser("other1"), email: "TAKEN@example.com" },
    });
    expectError(sameEmail, 400, "invalid");
    expect(Object.keys(sameEmail.body.fields)).toEqual(["email"]);
  });

  it("creates one user when several ask for the same username or email at once, and answers the others 400", async () => {
    const admin = await makeUser({ isSuperuser: true });
    for (const [json, field] of [
      [{ ...newUser("racer"), email: "" }, "username"],
      [{ ...newUser("racer2"), email: "race@example.com" }, "email"],
    ] as const) {
      const answers = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          call("POST", "/api/v1/profiles/", {
            token: admin.access,
            json: field === "email" ? { ...json, username: `racer2_${i}` } : json,
          }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 400, 400, 400]);
      for (const refused of answers.filter((a) => a.status !== 201)) {
        expectError(refused, 400, "invalid");
        expect(Object.keys(refused.body.fields)).toEqual([field]);
      }
    }
  });

  it("recognises the database refusing a username or email taken between the check and the write", async () => {
    const taken = await makeUser({ email: "first@example.com" });
    const insert = (username: string, email: string) =>
      database(env)
        .insert(users)
        .values({ username, email, password: "!", dateJoined: "2020-01-01T00:00:00Z" })
        .catch((err: unknown) => err);
    expect(identityConflict(await insert(taken.username.toUpperCase(), ""))).toHaveProperty("username");
    expect(identityConflict(await insert("fresh_name", "FIRST@example.com"))).toHaveProperty("email");
    expect(identityConflict(new Error("something else"))).toBeUndefined();
  });

  it("refuses passwords shorter than 6 or longer than 100, long usernames and bad emails, naming each field", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const before = await snapshot();
    const { body } = await call("POST", "/api/v1/profiles/", {
      token: admin.access,
      json: { username: "x".repeat(33), email: "not-an-email", password: "12345" },
    });
    expect(Object.keys(body.fields).sort()).toEqual(["email", "password", "username"]);
    const long = await call("POST", "/api/v1/profiles/", {
      token: admin.access,
      json: { ...newUser("longpw"), password: "x".repeat(101) },
    });
    expect(long.body.fields).toHaveProperty("password");
    const missing = await call("POST", "/api/v1/profiles/", { token: admin.access, json: {} });
    expect(Object.keys(missing.body.fields).sort()).toEqual(["password", "username"]);
    expect(await snapshot()).toEqual(before);
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

describe("PATCH /api/v1/profiles/{id}/", () => {
  it("changes your own names, username and email", async () => {
    const user = await makeUser();
    const { status, body } = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { first_name: "Andrés", last_name: "O'Neil", username: `renamed_${user.id}`, email: "me@example.com" },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ full_name: "Andrés O'Neil", username: `renamed_${user.id}`, email: "me@example.com" });
    expect((await call("GET", "/api/v1/profiles/me/", { token: user.access })).body.first_name).toBe("Andrés");
  });

  it("refuses to change someone else's profile with 403, and changes nothing", async () => {
    const user = await makeUser();
    const other = await makeUser({ firstName: "Kept" });
    const before = await snapshot();
    expectError(
      await call("PATCH", `/api/v1/profiles/${other.id}/`, { token: user.access, json: { first_name: "Hacked" } }),
      403,
      "permission_denied",
    );
    expect(await snapshot()).toEqual(before);
  });

  it("lets a superuser change anyone, including is_active and is_superuser", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const other = await makeUser();
    const { status, body } = await call("PATCH", `/api/v1/profiles/${other.id}/`, {
      token: admin.access,
      json: { first_name: "Promoted", is_superuser: true },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ first_name: "Promoted", is_superuser: true });
  });

  it("refuses is_active and is_superuser from a non-superuser with 403", async () => {
    const user = await makeUser();
    const before = await snapshot();
    expectError(
      await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: user.access, json: { is_superuser: true } }),
      403,
    );
    expectError(
      await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: user.access, json: { is_active: false } }),
      403,
    );
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a superuser deactivating or demoting themselves", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const { body } = await call("PATCH", `/api/v1/profiles/${admin.id}/`, {
      token: admin.access,
      json: { is_superuser: false },
    });
    expect(body.fields).toHaveProperty("is_superuser");
    expectError(
      await call("PATCH", `/api/v1/profiles/${admin.id}/`, { token: admin.access, json: { is_active: false } }),
      400,
    );
  });

  it("changes a password only with the current one, stores it hashed, and ends old sessions", async () => {
    const user = await makeUser();
    const withoutCurrent = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { password: "brand-new-pw" },
    });
    expectError(withoutCurrent, 400, "invalid");
    expect(withoutCurrent.body.fields).toHaveProperty("current_password");
    const wrongCurrent = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { password: "brand-new-pw", current_password: "wrong" },
    });
    expect(wrongCurrent.body.fields).toHaveProperty("current_password");

    const changed = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { password: "brand-new-pw", current_password: user.plainPassword },
    });
    expect(changed.status).toBe(200);
    const stored = await env.DB.prepare("SELECT password FROM users WHERE id = ?")
      .bind(user.id)
      .first<{ password: string }>();
    expect(stored!.password).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect(stored!.password).not.toContain("brand-new-pw");
    expect((await signIn(user.username, "brand-new-pw")).status).toBe(200);
    expect((await signIn(user.username, user.plainPassword)).status).toBe(401);
    expectError(
      await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } }),
      401,
      "token_not_valid",
    );
  });

  it("lets a superuser set someone else's password without knowing it", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const other = await makeUser();
    expect(
      (
        await call("PATCH", `/api/v1/profiles/${other.id}/`, {
          token: admin.access,
          json: { password: "reset-by-admin" },
        })
      ).status,
    ).toBe(200);
    expect((await signIn(other.username, "reset-by-admin")).status).toBe(200);
  });

  it("refuses a username or email another user has", async () => {
    const user = await makeUser();
    const other = await makeUser({ email: "theirs@example.com" });
    const name = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { username: other.username.toUpperCase() },
    });
    expect(name.body.fields).toHaveProperty("username");
    const mail = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: user.access,
      json: { email: "theirs@example.com" },
    });
    expect(mail.body.fields).toHaveProperty("email");
  });

  it("refuses unknown fields such as id or avatar with 400", async () => {
    const user = await makeUser();
    for (const json of [{ id: 5 }, { avatar_key: "x" }, { date_joined: "2020-01-01" }]) {
      expectError(await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: user.access, json }), 400, "invalid");
    }
  });

  it("answers an empty change with the profile as it is", async () => {
    const user = await makeUser({ firstName: "Same" });
    const { status, body } = await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: user.access, json: {} });
    expect(status).toBe(200);
    expect(body.first_name).toBe("Same");
  });
});

describe("DELETE /api/v1/profiles/{id}/", () => {
  it("deactivates yourself: 204, then sign-in and refresh fail", async () => {
    const user = await makeUser();
    const { status, body } = await call("DELETE", `/api/v1/profiles/${user.id}/`, { token: user.access });
    expect(status).toBe(204);
    expect(body).toBeNull();
    expect((await signIn(user.username, user.plainPassword)).status).toBe(401);
    expect((await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } })).status).toBe(401);
    const row = await env.DB.prepare("SELECT is_active FROM users WHERE id = ?")
      .bind(user.id)
      .first<{ is_active: number }>();
    expect(row!.is_active).toBe(0);
  });

  it("lets a superuser deactivate anyone, and refuses other users with 403", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const user = await makeUser();
    const other = await makeUser();
    expectError(
      await call("DELETE", `/api/v1/profiles/${other.id}/`, { token: user.access }),
      403,
      "permission_denied",
    );
    expect((await call("DELETE", `/api/v1/profiles/${other.id}/`, { token: admin.access })).status).toBe(204);
    expect((await signIn(other.username, other.plainPassword)).status).toBe(401);
  });

  it("refuses a superuser deactivating themselves with 400, so no one locks out the last admin", async () => {
    const admin = await makeUser({ isSuperuser: true });
    expectError(await call("DELETE", `/api/v1/profiles/${admin.id}/`, { token: admin.access }), 400, "invalid");
    expect((await signIn(admin.username, admin.plainPassword)).status).toBe(200);
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
