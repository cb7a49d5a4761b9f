/**
 * The local server killed (SIGKILL, mid-stream) and started again on the same state while
 * people send: their clients reconnect, resend what was not acknowledged with the same
 * client ids, and history holds every message exactly once, in the order everyone saw.
 */
import { afterAll, describe, expect, it } from "vitest";
import { joinRoom, type Participant } from "../../scripts/chat-client.ts";
import { crashDevServer, type DevServer, startDevServer } from "../../scripts/dev-server.ts";

const PASSWORD = "restart-password";
const PEOPLE = ["ana", "ben", "cy"];
const MESSAGES_EACH = 8;

let server: DevServer | undefined;
afterAll(() => server?.stop());

async function api(path: string, options: { token?: string; json?: unknown } = {}) {
  const answer = await fetch(`${server!.url}${path}`, {
    method: options.json === undefined ? "GET" : "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  return { status: answer.status, body: (await answer.json()) as any };
}

describe("the server killed and restarted while people send", () => {
  it("loses nothing acknowledged and stores each message once", async () => {
    server = await startDevServer(PEOPLE.map((username) => ({ username, password: PASSWORD })));
    const tokens = new Map<string, string>();
    for (const username of PEOPLE)
      tokens.set(
        username,
        (await api("/api/v1/access_token/", { json: { username, password: PASSWORD } })).body.access,
      );
    const ids = (await api("/api/v1/profiles/", { token: tokens.get("ana") })).body.results.map(
      (user: { id: number }) => user.id,
    );
    const room = (
      await api("/api/v1/rooms/", { token: tokens.get("ana"), json: { title: "restart", participants: ids } })
    ).body;

    const people: Participant[] = [];
    for (const name of PEOPLE)
      people.push(await joinRoom({ url: server.url, roomId: room.id, token: () => tokens.get(name)!, name }));

    const sent: string[] = [];
    for (let round = 0; round < MESSAGES_EACH; round++) {
      for (const [i, person] of people.entries()) sent.push(person.send(`${PEOPLE[i]} #${round}`));
      if (round === 3) {
        // Some of this round are stored, some in flight, some not yet sent when it dies.
        await crashDevServer(server);
        server = await startDevServer([], { persistTo: server.persistTo, port: server.port, secret: server.secret });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await Promise.all(people.map((person) => person.allAcked()));

    const history = (await api(`/api/v1/rooms/${room.id}/messages/?limit=100`, { token: tokens.get("ana") })).body
      .messages as { id: number; content: string }[];
    expect(history).toHaveLength(sent.length);
    expect(new Set(history.map((m) => m.content)).size).toBe(sent.length);
    const last = history.at(-1)!.id;
    await Promise.all(people.map((person) => person.seen(last)));
    for (const person of people) {
      expect(person.received).toEqual(history.map((m) => m.id));
      expect([...person.acked.values()].every((id) => history.some((m) => m.id === id))).toBe(true);
    }
    expect(people.some((person) => person.reconnects > 0)).toBe(true);
    for (const person of people) person.close();
  });
});
