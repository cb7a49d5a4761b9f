/**
 * Attacks on the sockets and the media files, beside the REST ones in security.test.ts and
 * tokens.test.ts: forged and stale tokens, the socket access matrix, a deactivated user's
 * open sockets, and /media/ paths that try to reach other files.
 */
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SUBPROTOCOL } from "../../core/protocol";
import { call, expectError, makeRoom, makeUser, snapshot } from "../support/api";
import { openInbox, openRoom, upgrade } from "../support/sockets";

const nowSeconds = () => Math.floor(Date.now() / 1000);
const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
const sign = (claims: Record<string, unknown>, secret = env.JWT_SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));

/** Every kind of token that must not open anything, for one user. */
async function badTokens(user: { id: number; refresh: string; access: string }): Promise<[string, string][]> {
  const claims = { token_type: "access", user_id: user.id, jti: "e".repeat(32) };
  const [header, , signature] = user.access.split(".");
  return [
    ["alg none", `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ ...claims, exp: nowSeconds() + 300 })}.`],
    [
      "the wrong key",
      await sign({ ...claims, exp: nowSeconds() + 300 }, "another-secret-that-is-long-enough-0123456789"),
    ],
    ["the wrong type (a refresh token)", user.refresh],
    ["an expired token", await sign({ ...claims, iat: nowSeconds() - 900, exp: nowSeconds() - 600 })],
    [
      "someone else's id on a real signature",
      `${header}.${base64url({ ...claims, user_id: user.id + 1, exp: nowSeconds() + 300 })}.${signature}`,
    ],
    [
      "an HS512 token",
      await new SignJWT({ ...claims, exp: nowSeconds() + 300 })
        .setProtectedHeader({ alg: "HS512" })
        .sign(new TextEncoder().encode(env.JWT_SECRET)),
    ],
    ["a token without an expiry", await sign(claims)],
  ];
}

describe("forged and stale tokens on sockets", () => {
  it("open neither a room socket nor an inbox socket, each refused with 401", async () => {
    const user = await makeUser();
    const room = await makeRoom(user);
    for (const [what, token] of await badTokens(user)) {
      for (const path of [`/api/v1/rooms/${room.id}/socket/`, "/api/v1/inbox/socket/"]) {
        const answer = await upgrade(path, token);
        expect(answer.status, `${what} on ${path}`).toBe(401);
        expect(answer.webSocket).toBeNull();
      }
    }
  });

  it("are refused with 401 on REST too", async () => {
    const user = await makeUser();
    for (const [what, token] of await badTokens(user)) {
      expectError(await call("GET", "/api/v1/rooms/", { token }), 401);
      expect((await call("POST", "/api/v1/rooms/", { token, json: { title: what } })).status, what).toBe(401);
    }
  });

  it("take no token from the URL, which logs keep", async () => {
    const user = await makeUser();
    const room = await makeRoom(user);
    expect(
      (await upgrade(`/api/v1/rooms/${room.id}/socket/?token=${user.access}`, undefined, [SUBPROTOCOL])).status,
    ).toBe(401);
    expectError(await call("GET", `/api/v1/rooms/?token=${user.access}`), 401);
  });

  it("take no bearer subprotocol offered without condor.v1", async () => {
    const user = await makeUser();
    expect((await upgrade("/api/v1/inbox/socket/", undefined, [`bearer.${user.access}`])).status).toBe(401);
  });

  it("refuse a refresh token replayed after logout, and after a password change", async () => {
    const user = await makeUser();
    expect((await call("POST", "/api/v1/logout/", { json: { refresh: user.refresh } })).status).toBe(200);
    expectError(
      await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } }),
      401,
      "token_not_valid",
    );
    expectError(await call("POST", "/api/v1/logout/", { json: { refresh: user.refresh } }), 401, "token_not_valid");

    const other = await makeUser();
    const changed = await call("PATCH", `/api/v1/profiles/${other.id}/`, {
      token: other.access,
      json: { password: "a brand new password", current_password: other.plainPassword },
    });
    expect(changed.status).toBe(200);
    expectError(
      await call("POST", "/api/v1/refresh_token/", { json: { refresh: other.refresh } }),
      401,
      "token_not_valid",
    );
  });
});

describe("socket access matrix", () => {
  it("opens a room socket for a member only: 401 anonymous, 403 another user, a superuser outside it and a former member", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const leaver = await makeUser();
    const stranger = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner, [member, leaver]);
    expect((await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: leaver.access })).status).toBe(204);
    const path = `/api/v1/rooms/${room.id}/socket/`;
    expect((await upgrade(path)).status).toBe(401);
    for (const [who, person] of [
      ["another user", stranger],
      ["a superuser outside the room", admin],
      ["a former member", leaver],
    ] as const) {
      const answer = await upgrade(path, person.access);
      expect(answer.status, who).toBe(403);
      expect(answer.webSocket, who).toBeNull();
    }
    for (const person of [owner, member]) {
      const socket = await openRoom(person.access, room.id);
      expect((await socket.nextOf("welcome")).you).toBe(person.id);
      socket.close();
    }
  });

  it("opens an inbox socket only as its owner: it is addressed by the token, never by an id", async () => {
    const user = await makeUser();
    expect((await upgrade("/api/v1/inbox/socket/")).status).toBe(401);
    expect((await upgrade(`/api/v1/inbox/socket/?user=${user.id}`)).status).toBe(401);
    const inbox = await openInbox(user.access);
    expect((await inbox.nextOf("unread")).type).toBe("unread");
    inbox.close();
  });
  it.each([
    ["DELETE profiles/{id}/", "DELETE", undefined],
    ["PATCH profiles/{id}/ is_active: false", "PATCH", { is_active: false }],
  ])(
    "closes the open sockets of a user deactivated with %s, and their frames store nothing",
    async (_, method, json) => {
      const owner = await makeUser();
      const admin = await makeUser({ isSuperuser: true });
      const user = await makeUser();
      const room = await makeRoom(owner, [user]);
      const socket = await openRoom(user.access, room.id);
      await socket.nextOf("caught_up");
      const inbox = await openInbox(user.access);
      await inbox.nextOf("unread");
      expect((await call(method, `/api/v1/profiles/${user.id}/`, { token: admin.access, json })).status).toBeLessThan(
        300,
      );
      expect((await socket.closed).code).toBe(4001);
      expect((await inbox.closed).code).toBe(4001);
      const before = await snapshot();
      try {
        socket.send({ type: "send", client_id: "after", content: "still here?" });
      } catch {
        // Closed already, as it should be.
      }
      const history = await call("GET", `/api/v1/rooms/${room.id}/messages/`, { token: owner.access });
      expect(history.body.messages).toEqual([]);
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe("/media/ path tricks", () => {
  it.each([
    "/media/avatar_files/..%2F..%2Fsecret%2Fkey.png",
    "/media/avatar_files/%2e%2e%2fsecret%2fkey.png",
    "/media/avatar_files/%252e%252e%252fsecret%252fkey.png",
    "/media/avatar_files/..%5Csecret%5Ckey.png",
    "/media/avatar_files/..",
    "/media/avatar_files/.",
    "/media/avatar_files/",
    "/media/avatar_files/key.png%00.png",
    "/media/avatar_files/key.png%00",
    "/media/avatar_files/%C0%AE%C0%AE%2Fsecret%2Fkey.png",
    "/media/avatar_files/\u2025%2Fsecret%2Fkey.png",
    "/media/secret/key.png",
    "/media/avatar_files/../secret/key.png",
    "/media//secret/key.png",
    "/media/avatar_files//secret/key.png",
    "a name of 5,000 characters",
  ])("never serves a file outside avatar_files/: %s answers 404", async (trick) => {
    const path = trick.startsWith("/") ? trick : `/media/avatar_files/${"a".repeat(5000)}.png`;
    await env.AVATARS.put("secret/key.png", "top secret", { httpMetadata: { contentType: "image/png" } });
    await env.AVATARS.put("key.png", "top secret too", { httpMetadata: { contentType: "image/png" } });
    const answer = await call("GET", path);
    expect(answer.status, JSON.stringify(answer.body)).toBe(404);
    expect(JSON.stringify(answer.body)).not.toContain("top secret");
  });
});
