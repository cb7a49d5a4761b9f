/**
 * Redis stopped under a running server (presence through the Upstash gateway, as `npm start`
 * runs it): chat carries on, presence reads as unknown, and it recovers when Redis is back.
 * The Redis here is this test's own, on a free port; the shared one is never touched.
 */
import { afterAll, describe, expect, it } from "vitest";
import { joinRoom } from "../../scripts/chat-client.ts";
import { type DevServer, freePort, startDevServer } from "../../scripts/dev-server.ts";
import { type RedisServer, startRedisServer } from "../../scripts/redis-server.ts";
import { type Gateway, startGateway } from "../../scripts/upstash-gateway.ts";

const PASSWORD = "redis-fault-password";

let redis: RedisServer | undefined;
let gateway: Gateway | undefined;
let server: DevServer | undefined;

afterAll(async () => {
  await server?.stop();
  await gateway?.close();
  await redis?.stop();
});

async function api(path: string, token: string, json?: unknown) {
  const answer = await fetch(`${server!.url}${path}`, {
    method: json === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: answer.status, body: (await answer.json()) as any };
}

describe("Redis stopped under a running server", () => {
  it("keeps chat going, reads presence as unknown, and recovers when Redis is back", async () => {
    const port = await freePort();
    redis = await startRedisServer(port);
    const token = crypto.randomUUID();
    gateway = await startGateway({ port: 0, redisUrl: `redis://127.0.0.1:${port}`, token });
    server = await startDevServer(
      ["ana", "ben"].map((username) => ({ username, password: PASSWORD })),
      { vars: { UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: token } },
    );
    const signIn = async (username: string) =>
      (
        (await (
          await fetch(`${server!.url}/api/v1/access_token/`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username, password: PASSWORD }),
          })
        ).json()) as any
      ).access as string;
    const [ana, ben] = [await signIn("ana"), await signIn("ben")];
    const [anaId, benId] = (await api("/api/v1/profiles/", ana)).body.results.map((user: { id: number }) => user.id);
    const room = (await api("/api/v1/rooms/", ana, { title: "presence", participants: [benId] })).body;
    const presenceOfAna = async () => (await api(`/api/v1/profiles/${anaId}/`, ben)).body.is_online;

    const anaHere = await joinRoom({ url: server.url, roomId: room.id, token: () => ana, name: "ana" });
    expect(await presenceOfAna()).toBe(true);

    await redis.stop();
    anaHere.send("Redis is down, chat is not");
    await anaHere.allAcked();
    expect((await api("/api/v1/send_message_to_room/", ben, { group_id: room.id, message: "still here" })).status).toBe(
      201,
    );
    const benHere = await joinRoom({ url: server.url, roomId: room.id, token: () => ben, name: "ben" });
    expect(await presenceOfAna()).toBeNull();
    const history = (await api(`/api/v1/rooms/${room.id}/messages/`, ana)).body.messages.map(
      (m: { content: string }) => m.content,
    );
    expect(history).toEqual(["Redis is down, chat is not", "still here"]);

    redis = await startRedisServer(port);
    // The gateway reconnects on its own (within 2 s); each new socket renews presence.
    let online: boolean | null = null;
    for (let attempt = 0; attempt < 20 && online !== true; attempt++) {
      const again = await joinRoom({
        url: server.url,
        roomId: room.id,
        token: () => ana,
        name: `ana-again-${attempt}`,
      });
      online = await presenceOfAna();
      again.close();
      if (online !== true) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(online).toBe(true);
    for (const person of [anaHere, benHere]) person.close();
  });
});
