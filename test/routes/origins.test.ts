/**
 * Cross-origin requests: a page on another site must not change anything or open a socket
 * with a user's credentials. Browsers say where a request comes from in `Origin`; curl and
 * other clients send none and keep working. ALLOWED_ORIGINS lets other origins in.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BEARER_PREFIX, SUBPROTOCOL } from "../../core/protocol";
import worker from "../../worker/index";
import { call, expectError, makeRoom, makeUser, ORIGIN, snapshot } from "../support/api";

const FOREIGN = "https://evil.example";

/** A WebSocket upgrade as a browser on `origin` would send it, with some settings changed. */
async function upgradeFrom(origin: string | undefined, path: string, token: string, settings: Partial<Env> = {}) {
  const headers: Record<string, string> = {
    upgrade: "websocket",
    "sec-websocket-protocol": `${SUBPROTOCOL}, ${BEARER_PREFIX}${token}`,
  };
  if (origin) headers.origin = origin;
  const context = createExecutionContext();
  const response = await worker.fetch(new Request(`${ORIGIN}${path}`, { headers }), { ...env, ...settings }, context);
  await waitOnExecutionContext(context);
  response.webSocket?.accept();
  response.webSocket?.close(1000, "done");
  return response;
}

describe("requests from another origin", () => {
  it.each([
    ["POST rooms/", "POST", "/api/v1/rooms/", { title: "from elsewhere" }],
    ["POST send_message_to_user/", "POST", "/api/v1/send_message_to_user/", { user_id: 0, message: "from elsewhere" }],
    ["PATCH profiles/{id}/", "PATCH", "/api/v1/profiles/{me}/", { first_name: "Hacked" }],
    ["DELETE profiles/{id}/", "DELETE", "/api/v1/profiles/{me}/", undefined],
    ["POST access_token/", "POST", "/api/v1/access_token/", { username: "{username}", password: "{password}" }],
    ["POST logout/", "POST", "/api/v1/logout/", { refresh: "{refresh}" }],
  ])("refuse %s with 403, changing nothing", async (_, method, template, body) => {
    const user = await makeUser();
    const other = await makeUser();
    const fill = (text: string) =>
      text
        .replace("{me}", String(user.id))
        .replace("{username}", user.username)
        .replace("{password}", user.plainPassword)
        .replace("{refresh}", user.refresh);
    const json = body && JSON.parse(fill(JSON.stringify(body)).replace('"user_id":0', `"user_id":${other.id}`));
    const before = await snapshot();
    for (const origin of [FOREIGN, "null", "http://chat.example.evil.example", "http://chat.example:8080"]) {
      const answer = await call(method, fill(template), { token: user.access, json, headers: { origin } });
      expectError(answer, 403, "permission_denied");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an avatar upload from another origin with 403", async () => {
    const user = await makeUser();
    const form = new FormData();
    form.append(
      "avatar",
      new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], "a.png", { type: "image/png" }),
    );
    expectError(
      await call("PUT", `/api/v1/profiles/${user.id}/pic/`, {
        token: user.access,
        body: form,
        headers: { origin: FOREIGN },
      }),
      403,
    );
  });

  it("still answers reads, which the browser keeps from the other site without CORS headers", async () => {
    const user = await makeUser();
    const answer = await call("GET", "/api/v1/profiles/me/", { token: user.access, headers: { origin: FOREIGN } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("takes the same request from the app's own origin and from curl, which sends no Origin", async () => {
    const user = await makeUser();
    const own = await call("POST", "/api/v1/rooms/", {
      token: user.access,
      json: { title: "mine" },
      headers: { origin: ORIGIN },
    });
    expect(own.status).toBe(201);
    const curl = await call("POST", "/api/v1/rooms/", { token: user.access, json: { title: "from curl" } });
    expect(curl.status).toBe(201);
  });

  it("takes origins listed in ALLOWED_ORIGINS, and only those", async () => {
    const user = await makeUser();
    const settings = { ALLOWED_ORIGINS: "https://app.example, https://other.example" };
    const listed = await call("POST", "/api/v1/rooms/", {
      token: user.access,
      json: { title: "listed" },
      headers: { origin: "https://other.example" },
      settings,
    });
    expect(listed.status).toBe(201);
    const unlisted = await call("POST", "/api/v1/rooms/", {
      token: user.access,
      json: { title: "unlisted" },
      headers: { origin: FOREIGN },
      settings,
    });
    expectError(unlisted, 403, "permission_denied");
  });
});

describe("socket upgrades from another origin", () => {
  it("refuse a room socket and an inbox socket with 403 before any socket opens", async () => {
    const user = await makeUser();
    const room = await makeRoom(user);
    for (const path of [`/api/v1/rooms/${room.id}/socket/`, "/api/v1/inbox/socket/"]) {
      const answer = await upgradeFrom(FOREIGN, path, user.access);
      expect(answer.status).toBe(403);
      expect(answer.webSocket).toBeNull();
    }
  });

  it("open from the app's own origin, from a listed origin and without an Origin", async () => {
    const user = await makeUser();
    const room = await makeRoom(user);
    const path = `/api/v1/rooms/${room.id}/socket/`;
    expect((await upgradeFrom(ORIGIN, path, user.access)).status).toBe(101);
    expect((await upgradeFrom(undefined, path, user.access)).status).toBe(101);
    expect(
      (await upgradeFrom("https://app.example", path, user.access, { ALLOWED_ORIGINS: "https://app.example" })).status,
    ).toBe(101);
  });
});
