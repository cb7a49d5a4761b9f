import { env } from "cloudflare:test";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { MAX_FAILURES_PER_USERNAME } from "../../worker/auth/login-throttle";
import { call, expectError, makeUser } from "../support/api";

const signIn = (username: string, password: string, headers: Record<string, string> = {}) =>
  call("POST", "/api/v1/access_token/", { json: { username, password }, headers });

describe("POST /api/v1/access_token/", () => {
  it("answers 200 with an access and a refresh token carrying the original's claims", async () => {
    const user = await makeUser();
    const { status, body } = await signIn(user.username, user.plainPassword);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["access", "refresh"]);
    const access = decodeJwt(body.access);
    const refresh = decodeJwt(body.refresh);
    expect(access).toMatchObject({ token_type: "access", user_id: user.id });
    expect(refresh).toMatchObject({ token_type: "refresh", user_id: user.id });
    expect(access.exp! - access.iat!).toBe(5 * 60);
    expect(refresh.exp! - refresh.iat!).toBe(24 * 60 * 60);
    expect(access.jti).toMatch(/^[0-9a-f]{32}$/);
  });

  it("answers without the trailing slash too", async () => {
    const user = await makeUser();
    const { status } = await call("POST", "/api/v1/access_token", {
      json: { username: user.username, password: user.plainPassword },
    });
    expect(status).toBe(200);
  });

  it("signs in whatever the case of the username", async () => {
    const user = await makeUser({ username: "MixedCase" });
    expect((await signIn("mixedcase", user.plainPassword)).status).toBe(200);
  });

  it("refuses a wrong password with the original's 401", async () => {
    const user = await makeUser();
    const { status, body } = await signIn(user.username, "wrong password");
    expect(status).toBe(401);
    expect(body.detail).toBe("No active account found with the given credentials");
  });

  it("refuses an unknown user and an inactive one alike", async () => {
    const inactive = await makeUser({ isActive: false });
    expect((await signIn("nobody-at-all", "whatever")).status).toBe(401);
    expect((await signIn(inactive.username, inactive.plainPassword)).status).toBe(401);
  });

  it("spends the same password hashing on an unknown username as on a known one, so timing does not tell which exist", async () => {
    const user = await makeUser();
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    await signIn(user.username, "wrong password");
    const forKnown = deriveBits.mock.calls.map(([algorithm]) => (algorithm as { iterations: number }).iterations);
    deriveBits.mockClear();
    await signIn("nobody-by-this-name", "wrong password");
    const forUnknown = deriveBits.mock.calls.map(([algorithm]) => (algorithm as { iterations: number }).iterations);
    deriveBits.mockRestore();
    expect(forKnown).toEqual([100_000]);
    expect(forUnknown).toEqual(forKnown);
  });

  it("refuses an account with Django's unusable password", async () => {
    const user = await makeUser();
    await env.DB.prepare("UPDATE users SET password = '!unusable' WHERE id = ?").bind(user.id).run();
    expect((await signIn(user.username, "!unusable")).status).toBe(401);
  });

  it("answers 400 naming each missing field", async () => {
    const { status, body } = await call("POST", "/api/v1/access_token/", { json: {} });
    expect(status).toBe(400);
    expect(Object.keys(body.fields).sort()).toEqual(["password", "username"]);
  });

  it("answers 400 for malformed JSON and for wrong types", async () => {
    const malformed = await call("POST", "/api/v1/access_token/", {
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe("invalid");
    const wrongTypes = await call("POST", "/api/v1/access_token/", { json: { username: 12, password: ["x"] } });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body.fields).toHaveProperty("username");
  });

  it("answers 415 for a body that is not JSON", async () => {
    const { status } = await call("POST", "/api/v1/access_token/", {
      body: "username=a&password=b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(status).toBe(415);
  });

  it("answers 413 for a huge body", async () => {
    const { status, body } = await call("POST", "/api/v1/access_token/", {
      json: { username: "a", password: "x".repeat(200_000) },
    });
    expect(status).toBe(413);
    expect(body.code).toBe("too_large");
  });

  it("answers 429 after too many failures for one username, even with the right password", async () => {
    const user = await makeUser();
    for (let i = 0; i < MAX_FAILURES_PER_USERNAME; i++) {
      expect((await signIn(user.username, "nope")).status).toBe(401);
    }
    const blocked = await signIn(user.username, user.plainPassword);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers 429 after too many failures from one address across usernames", async () => {
    const user = await makeUser();
    const address = { "cf-connecting-ip": "203.0.113.9" };
    for (let i = 0; i < 20; i++) await signIn(`guess${i}`, "nope", address);
    expect((await signIn(user.username, user.plainPassword, address)).status).toBe(429);
    expect((await signIn(user.username, user.plainPassword, { "cf-connecting-ip": "203.0.113.10" })).status).toBe(200);
  });
});

describe("POST /api/v1/refresh_token/", () => {
  it("answers the original's access token plus a rotated refresh token", async () => {
    const user = await makeUser();
    const { status, body } = await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } });
    expect(status).toBe(200);
    expect(decodeJwt(body.access)).toMatchObject({ token_type: "access", user_id: user.id });
    expect(decodeJwt(body.refresh)).toMatchObject({ token_type: "refresh", user_id: user.id });
    const me = await call("GET", "/api/v1/profiles/me/", { token: body.access });
    expect(me.body.id).toBe(user.id);
  });

  it("refuses a refresh token that was already used", async () => {
    const user = await makeUser();
    expect((await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } })).status).toBe(200);
    const again = await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("token_not_valid");
  });

  it("refuses an access token where a refresh token is expected", async () => {
    const user = await makeUser();
    const { status, body } = await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.access } });
    expect(status).toBe(401);
    expect(body.code).toBe("token_not_valid");
  });

  it("refuses garbage with the original's text", async () => {
    const { status, body } = await call("POST", "/api/v1/refresh_token/", { json: { refresh: "not-a-token" } });
    expect(status).toBe(401);
    expect(body).toMatchObject({ detail: "Token is invalid or expired", code: "token_not_valid" });
  });
});

describe("POST /api/v1/logout/", () => {
  it("revokes the refresh token", async () => {
    const user = await makeUser();
    expect((await call("POST", "/api/v1/logout/", { json: { refresh: user.refresh } })).status).toBe(200);
    expect((await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } })).status).toBe(401);
  });
});

describe("access tokens", () => {
  const secret = () => new TextEncoder().encode(env.JWT_SECRET);
  const craft = (claims: Record<string, unknown>, key = secret()) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(key);

  it("refuses a refresh token where an access token is expected", async () => {
    const user = await makeUser();
    expect((await call("GET", "/api/v1/profiles/me/", { token: user.refresh })).status).toBe(401);
  });

  it("refuses an expired token", async () => {
    const user = await makeUser();
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await craft({
      token_type: "access",
      user_id: user.id,
      jti: "a".repeat(32),
      iat: past - 300,
      exp: past,
    });
    const { status, body } = await call("GET", "/api/v1/profiles/me/", { token });
    expect(status).toBe(401);
    expect(body.code).toBe("token_not_valid");
  });

  it("refuses a token signed with another key", async () => {
    const user = await makeUser();
    const exp = Math.floor(Date.now() / 1000) + 300;
    const token = await craft(
      { token_type: "access", user_id: user.id, jti: "b".repeat(32), exp },
      new TextEncoder().encode("x".repeat(40)),
    );
    expect((await call("GET", "/api/v1/profiles/me/", { token })).status).toBe(401);
  });

  it("refuses a tampered token", async () => {
    const user = await makeUser();
    const [header, , signature] = user.access.split(".");
    const forged = btoa(
      JSON.stringify({ token_type: "access", user_id: user.id + 1000, jti: "c".repeat(32), exp: 9_999_999_999 }),
    )
      .replaceAll("=", "")
      .replaceAll("+", "-")
      .replaceAll("/", "_");
    expect((await call("GET", "/api/v1/profiles/me/", { token: `${header}.${forged}.${signature}` })).status).toBe(401);
  });

  it("refuses alg: none", async () => {
    const user = await makeUser();
    const encode = (value: object) => btoa(JSON.stringify(value)).replaceAll("=", "");
    const token = `${encode({ alg: "none", typ: "JWT" })}.${encode({ token_type: "access", user_id: user.id, jti: "d".repeat(32), exp: 9_999_999_999 })}.`;
    expect((await call("GET", "/api/v1/profiles/me/", { token })).status).toBe(401);
  });

  it("stops working for a user who was deactivated", async () => {
    const user = await makeUser();
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(user.id).run();
    expect((await call("GET", "/api/v1/profiles/me/", { token: user.access })).status).toBe(401);
  });

  it("answers 401, not the original's 403, without credentials", async () => {
    const { status, body } = await call("GET", "/api/v1/profiles/me/");
    expect(status).toBe(401);
    expect(body.code).toBe("not_authenticated");
  });
});

describe("cookie mode (X-Condor-Refresh: cookie), the web client's way", () => {
  const COOKIE_MODE = { "x-condor-refresh": "cookie" };
  /** The refresh cookie a response sets, as a `Cookie` request header would carry it. */
  const refreshCookie = (headers: Headers) => {
    const set = headers.getSetCookie().find((line) => line.startsWith("condor_refresh="));
    return set?.split(";")[0];
  };

  it("signs in with the refresh token only in an HttpOnly, Secure, SameSite=Strict cookie on /api/v1", async () => {
    const user = await makeUser();
    const { status, body, headers } = await signIn(user.username, user.plainPassword, COOKIE_MODE);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(["access"]);
    const line = headers.getSetCookie().find((l) => l.startsWith("condor_refresh="))!;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Path=\/api\/v1/);
    expect(decodeJwt(refreshCookie(headers)!.split("=")[1])).toMatchObject({ token_type: "refresh", user_id: user.id });
  });

  it("renews from the cookie alone and rotates it; the old cookie stops working", async () => {
    const user = await makeUser();
    const first = refreshCookie((await signIn(user.username, user.plainPassword, COOKIE_MODE)).headers)!;
    const renewed = await call("POST", "/api/v1/refresh_token/", {
      json: {},
      headers: { ...COOKIE_MODE, cookie: first },
    });
    expect(renewed.status).toBe(200);
    expect(Object.keys(renewed.body)).toEqual(["access"]);
    expect((await call("GET", "/api/v1/profiles/me/", { token: renewed.body.access })).body.id).toBe(user.id);
    const second = refreshCookie(renewed.headers)!;
    expect(second).not.toBe(first);
    const replay = await call("POST", "/api/v1/refresh_token/", {
      json: {},
      headers: { ...COOKIE_MODE, cookie: first },
    });
    expectError(replay, 401, "token_not_valid");
  });

  it("answers 401 to a renewal without a cookie", async () => {
    expectError(await call("POST", "/api/v1/refresh_token/", { json: {}, headers: COOKIE_MODE }), 401);
  });

  it("ignores the cookie without the header: the body must carry the token, as before", async () => {
    const user = await makeUser();
    const cookie = refreshCookie((await signIn(user.username, user.plainPassword, COOKIE_MODE)).headers)!;
    const answer = await call("POST", "/api/v1/refresh_token/", { json: {}, headers: { cookie } });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toEqual({ refresh: "Required" });
  });

  it("signs out: the cookie's token is revoked and the cookie cleared", async () => {
    const user = await makeUser();
    const cookie = refreshCookie((await signIn(user.username, user.plainPassword, COOKIE_MODE)).headers)!;
    const out = await call("POST", "/api/v1/logout/", { json: {}, headers: { ...COOKIE_MODE, cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().find((l) => l.startsWith("condor_refresh="))).toMatch(/Max-Age=0/);
    expectError(await call("POST", "/api/v1/refresh_token/", { json: {}, headers: { ...COOKIE_MODE, cookie } }), 401);
  });

  it("signs out cleanly even when the cookie is missing or already spent", async () => {
    expect((await call("POST", "/api/v1/logout/", { json: {}, headers: COOKIE_MODE })).status).toBe(200);
    const out = await call("POST", "/api/v1/logout/", {
      json: {},
      headers: { ...COOKIE_MODE, cookie: "condor_refresh=garbage" },
    });
    expect(out.status).toBe(200);
  });

  it("refuses any other value of the header with 400", async () => {
    const user = await makeUser();
    expectError(await signIn(user.username, user.plainPassword, { "x-condor-refresh": "body" }), 400, "invalid");
  });
});
