import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  hasherOf,
  hashPassword,
  PBKDF2_JS_MAX_ITERATIONS,
  PBKDF2_MAX_ITERATIONS,
  verifyPassword,
} from "../../worker/auth/passwords";
import { call } from "../support/api";

/**
 * Hashes from the original's `manage.py dumpdata` (fixtures/condor-django/dumpdata.json in
 * the shared fixtures), copied here so the test runs from a fresh clone.
 */
const DJANGO_HASHES = {
  /** palmieri, password 123456, made by Django 2.2 at 150,000 iterations. */
  palmieri: "pbkdf2_sha256$150000$oldsalt2019abc$RLDQE5WRBvW34wjHTY+jXhDSDpHFloDxAD/vsRT9cqM=",
  /** fcarreno, at a later Django's 260,000. */
  fcarreno: "pbkdf2_sha256$260000$6oO6yFFGWmMaQT0qavimmx$0qcLAm7Ma6op6QkqXPt7Rq4IiqIjGESLR35VOCVu3m0=",
};
/**
 * Pure-JS PBKDF2 takes a few seconds per hash inside the test runner's workerd on a busy
 * machine: room for it, not a claim about speed.
 */
const PURE_JS_TIMEOUT_MS = 30_000;
const djangoHashOf = (username: keyof typeof DJANGO_HASHES) => DJANGO_HASHES[username];

/** Every iteration count PBKDF2 was asked for since the spy was set. */
function spyOnDeriveBits() {
  const spy = vi.spyOn(crypto.subtle, "deriveBits");
  return () => spy.mock.calls.map(([algorithm]) => (algorithm as { iterations: number }).iterations);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("password hashes", () => {
  it("hashes in Django's encoding at exactly the 100,000-iteration ceiling, and verifies the round trip", async () => {
    const iterations = spyOnDeriveBits();
    const encoded = await hashPassword("correct horse");
    expect(encoded).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword("correct horse", encoded)).toBe("match");
    expect(await verifyPassword("Correct horse", encoded)).toBe("mismatch");
    expect(iterations()).toEqual([100_000, 100_000, 100_000]);
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
  });

  it("never asks for more than 100,000 iterations to hash", async () => {
    const iterations = spyOnDeriveBits();
    await Promise.all(["a", "b", "a much longer password with ünïcode 🦅"].map(hashPassword));
    expect(Math.max(...iterations())).toBeLessThanOrEqual(100_000);
  });

  it("salts every hash differently", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("verifies a hash Django would make (100,000 iterations, known salt)", async () => {
    // Computed outside this code base: Python's hashlib.pbkdf2_hmac('sha256', b'123456', b'knownsalt123', 100000).
    const django = "pbkdf2_sha256$100000$knownsalt123$oFcOpkPiqZLxlRWCu+lJKLiCoJ+njZu0Nx5NArjU6is=";
    expect(await verifyPassword("123456", django)).toBe("match");
    expect(await verifyPassword("1234567", django)).toBe("mismatch");
  });

  it(
    "verifies Django's 150,000- and 260,000-iteration hashes in pure JS, never asking WebCrypto above 100,000",
    async () => {
      const iterations = spyOnDeriveBits();
      const palmieri = djangoHashOf("palmieri");
      expect(palmieri).toMatch(/^pbkdf2_sha256\$150000\$/);
      expect(await verifyPassword("123456", palmieri)).toBe("match");
      expect(await verifyPassword("1234567", palmieri)).toBe("mismatch");
      expect(djangoHashOf("fcarreno")).toMatch(/^pbkdf2_sha256\$260000\$/);
      expect(await verifyPassword("condor-admin-1", djangoHashOf("fcarreno"))).toBe("match");
      expect(iterations()).toEqual([]);
    },
    PURE_JS_TIMEOUT_MS,
  );

  it("refuses a hash above the pure-JS bound as unverifiable without computing it", async () => {
    const iterations = spyOnDeriveBits();
    const tooMany = `pbkdf2_sha256$${PBKDF2_JS_MAX_ITERATIONS + 1}$salt$hash`;
    expect(await verifyPassword("x", tooMany)).toBe("unverifiable");
    expect(await verifyPassword("x", "pbkdf2_sha256$999999999999$salt$hash")).toBe("unverifiable");
    expect(hasherOf(tooMany)).toBe(`pbkdf2_sha256 above ${PBKDF2_JS_MAX_ITERATIONS} iterations`);
    expect(iterations()).toEqual([]);
  });

  it("names the Django hasher of a hash it cannot check", () => {
    expect(hasherOf(djangoHashOf("palmieri"))).toBe("pbkdf2_sha256");
    expect(hasherOf("!1YjZjUgqR3Gd2rp2WXDoCaSM6w6b2IhsX164JZAO")).toBe("unusable");
    expect(hasherOf("argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA")).toBe("argon2");
    expect(hasherOf("bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuv")).toBe("bcrypt_sha256");
    expect(hasherOf("md5$salt$0123456789abcdef0123456789abcdef")).toBe("md5");
    expect(hasherOf("0123456789abcdef0123456789abcdef")).toBe("unsalted_md5");
    expect(hasherOf("")).toBe("unusable");
    expect(hasherOf("pbkdf2_sha256$100000$$hash")).toBe("pbkdf2_sha256, malformed");
  });

  it("refuses malformed and foreign encodings as unverifiable", async () => {
    const iterations = spyOnDeriveBits();
    for (const encoded of [
      "",
      "!1YjZjUgqR3Gd2rp2WXDoCaSM6w6b2IhsX164JZAO",
      "md5$salt$abc",
      "pbkdf2_sha1$100000$salt$abc",
      "pbkdf2_sha256$abc$salt$hash",
      "pbkdf2_sha256$0$salt$hash",
      "pbkdf2_sha256$-5$salt$hash",
      "pbkdf2_sha256$1e9$salt$hash",
      "pbkdf2_sha256$100000$$hash",
      "pbkdf2_sha256$100000$salt$",
    ]) {
      expect(await verifyPassword("x", encoded), encoded).toBe("unverifiable");
    }
    expect(iterations()).toEqual([]);
  });

  it(
    "signs in an account with Django's 150,000-iteration hash and replaces it with a native 100,000 one",
    async () => {
      const iterations = spyOnDeriveBits();
      await env.DB.prepare(
        "INSERT INTO users (username, password, date_joined) VALUES ('palmieri', ?, '2019-01-01T00:00:00Z')",
      )
        .bind(djangoHashOf("palmieri"))
        .run();
      expect(
        (await call("POST", "/api/v1/access_token/", { json: { username: "palmieri", password: "123456" } })).status,
      ).toBe(200);
      const { password } = (await env.DB.prepare("SELECT password FROM users WHERE username = 'palmieri'").first<{
        password: string;
      }>())!;
      expect(password).toMatch(/^pbkdf2_sha256\$100000\$/);
      expect(await verifyPassword("123456", password)).toBe("match");
      expect(Math.max(...iterations())).toBe(100_000);
    },
    PURE_JS_TIMEOUT_MS,
  );

  it(
    "keeps the imported hash when the password is wrong, answering the usual 401",
    async () => {
      await env.DB.prepare(
        "INSERT INTO users (username, password, date_joined) VALUES ('fcarreno', ?, '2019-01-01T00:00:00Z')",
      )
        .bind(djangoHashOf("fcarreno"))
        .run();
      const { status, body } = await call("POST", "/api/v1/access_token/", {
        json: { username: "fcarreno", password: "123456" },
      });
      expect(status).toBe(401);
      expect(body.detail).toBe("No active account found with the given credentials");
      const row = await env.DB.prepare("SELECT password FROM users WHERE username = 'fcarreno'").first<{
        password: string;
      }>();
      expect(row?.password).toBe(djangoHashOf("fcarreno"));
    },
    PURE_JS_TIMEOUT_MS,
  );

  it("refuses signing in to an account whose hash no hasher here can check with the usual 401, never a 500", async () => {
    await env.DB.prepare(
      "INSERT INTO users (username, password, date_joined) VALUES ('argon', ?, '2019-01-01T00:00:00Z')",
    )
      .bind("argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA")
      .run();
    const { status, body } = await call("POST", "/api/v1/access_token/", {
      json: { username: "argon", password: "123456" },
    });
    expect(status).toBe(401);
    expect(body.detail).toBe("No active account found with the given credentials");
  });

  it("signs in an account moved over from Django with a 100,000-iteration hash and keeps that hash", async () => {
    const iterations = spyOnDeriveBits();
    const moved = "pbkdf2_sha256$100000$knownsalt123$oFcOpkPiqZLxlRWCu+lJKLiCoJ+njZu0Nx5NArjU6is=";
    await env.DB.prepare(
      "INSERT INTO users (username, password, date_joined) VALUES ('moved', ?, '2019-01-01T00:00:00Z')",
    )
      .bind(moved)
      .run();
    expect(
      (await call("POST", "/api/v1/access_token/", { json: { username: "moved", password: "123456" } })).status,
    ).toBe(200);
    expect(iterations()).toEqual([100_000]);
    const row = await env.DB.prepare("SELECT password FROM users WHERE username = 'moved'").first<{
      password: string;
    }>();
    expect(row?.password).toBe(moved);
  });
});
