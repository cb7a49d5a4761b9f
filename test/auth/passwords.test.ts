import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PBKDF2_MAX_ITERATIONS, hashPassword, verifyPassword } from "../../worker/auth/passwords";
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
const djangoHashOf = (username: keyof typeof DJANGO_HASHES) => DJANGO_HASHES[username];

/** Every iteration count PBKDF2 was asked for since the spy was set. */
function spyOnDeriveBits() {
  const spy = vi.spyOn(crypto.subtle, "deriveBits");
  return () => spy.mock.calls.map(([algorithm]) => (algorithm as Pbkdf2Params).iterations);
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

  it("refuses a hash above the ceiling as unverifiable without asking PBKDF2 for it", async () => {
    const iterations = spyOnDeriveBits();
    // The original's user palmieri: 150,000 iterations, password 123456.
    const palmieri = djangoHashOf("palmieri");
    expect(palmieri).toMatch(/^pbkdf2_sha256\$150000\$/);
    expect(await verifyPassword("123456", palmieri)).toBe("unverifiable");
    // Django 4's default, as the other fixture users have.
    expect(await verifyPassword("whatever", djangoHashOf("fcarreno"))).toBe("unverifiable");
    expect(iterations()).toEqual([]);
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

  it("refuses signing in to an account whose hash is above the ceiling with the usual 401, never a 500", async () => {
    const iterations = spyOnDeriveBits();
    await env.DB.prepare("INSERT INTO users (username, password, date_joined) VALUES ('palmieri', ?, '2019-01-01T00:00:00Z')")
      .bind(djangoHashOf("palmieri"))
      .run();
    const { status, body } = await call("POST", "/api/v1/access_token/", { json: { username: "palmieri", password: "123456" } });
    expect(status).toBe(401);
    expect(body.detail).toBe("No active account found with the given credentials");
    expect(iterations()).toEqual([]);
  });

  it("signs in an account moved over from Django with a 100,000-iteration hash", async () => {
    const iterations = spyOnDeriveBits();
    await env.DB.prepare("INSERT INTO users (username, password, date_joined) VALUES ('moved', ?, '2019-01-01T00:00:00Z')")
      .bind("pbkdf2_sha256$100000$knownsalt123$oFcOpkPiqZLxlRWCu+lJKLiCoJ+njZu0Nx5NArjU6is=")
      .run();
    expect((await call("POST", "/api/v1/access_token/", { json: { username: "moved", password: "123456" } })).status).toBe(200);
    expect(iterations()).toEqual([100_000]);
  });
});
