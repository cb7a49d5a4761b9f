/** Creating, changing and deactivating users: who may, and what each change does. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../core/db";
import { users } from "../../core/db/schema";
import { identityConflict } from "../../core/db/users";
import { call, expectError, makeUser, ORIGIN, snapshot } from "../support/api";

const signIn = (username: string, password: string) =>
  call("POST", "/api/v1/access_token/", { json: { username, password } });

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
