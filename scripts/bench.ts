/**
 * `npm run bench`: how one room performs under `wrangler dev` on this machine.
 * - latency: one message at a time, from the moment it is sent on one socket to the
 *   moment another participant's socket receives it (p50, p95, max);
 * - throughput: many participants sending at once (each within the per-person send
 *   burst, so the rate limit is not what is measured), until every message has reached
 *   an observer; it also checks that two observers saw the same order with nothing lost.
 * Prints numbers; asserts nothing about speed (that is for people to judge).
 */
import { performance } from "node:perf_hooks";
import { BEARER_PREFIX, SEND_BURST, SUBPROTOCOL } from "../durable/protocol.ts";
import { startDevServer, type DevServer } from "./dev-server.ts";

const LATENCY_SENDERS = 10;
const THROUGHPUT_SENDERS = 50;
const PASSWORD = "bench-password";

type Frame = { type: string; message?: { id: number; content: string } };

async function signIn(server: DevServer, username: string): Promise<string> {
  const answer = await fetch(`${server.url}/api/v1/access_token/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!answer.ok) throw new Error(`sign-in of ${username} failed: ${answer.status}`);
  return ((await answer.json()) as { access: string }).access;
}

/** A room socket that is live (caught up), with a way to watch its messages. */
async function openRoom(server: DevServer, roomId: number, token: string) {
  const url = `${server.url.replace("http", "ws")}/api/v1/rooms/${roomId}/socket/`;
  const ws = new WebSocket(url, [SUBPROTOCOL, `${BEARER_PREFIX}${token}`]);
  const listeners = new Set<(frame: Frame) => void>();
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(String(event.data)) as Frame;
    for (const listen of listeners) listen(frame);
  });
  await new Promise<void>((resolve, reject) => {
    const ready = (frame: Frame) => {
      if (frame.type !== "caught_up") return;
      listeners.delete(ready);
      resolve();
    };
    listeners.add(ready);
    ws.addEventListener("error", () => reject(new Error("socket failed to open")));
  });
  return { ws, listeners, send: (frame: unknown) => ws.send(JSON.stringify(frame)) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const names = Array.from({ length: LATENCY_SENDERS + THROUGHPUT_SENDERS }, (_, i) => `bench${i}`);
  console.log(`Starting wrangler dev with ${names.length + 1} users...`);
  const server = await startDevServer([
    { username: "benchadmin", password: PASSWORD, superuser: true },
    ...names.map((username) => ({ username, password: PASSWORD })),
  ]);
  try {
    const adminToken = await signIn(server, "benchadmin");
    const tokens = await Promise.all(names.map((name) => signIn(server, name)));
    const users = (await (await fetch(`${server.url}/api/v1/profiles/?limit=100`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
      results: { id: number; username: string }[];
    };
    const created = await fetch(`${server.url}/api/v1/rooms/`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "bench", participants: users.results.map((u) => u.id) }),
    });
    const roomId = ((await created.json()) as { id: number }).id;
    const observer = await openRoom(server, roomId, adminToken);
    const secondObserver = await openRoom(server, roomId, adminToken);
    const senders = await Promise.all(tokens.map((token) => openRoom(server, roomId, token)));

    // Latency: one in flight at a time.
    const latencies: number[] = [];
    for (let round = 0; round < SEND_BURST; round++) {
      for (let s = 0; s < LATENCY_SENDERS; s++) {
        const content = `latency ${round}-${s}`;
        const received = new Promise<void>((resolve) => {
          const watch = (frame: Frame) => {
            if (frame.type === "message" && frame.message?.content === content) {
              observer.listeners.delete(watch);
              resolve();
            }
          };
          observer.listeners.add(watch);
        });
        const started = performance.now();
        senders[s].send({ type: "send", client_id: content, content });
        await received;
        latencies.push(performance.now() - started);
      }
    }
    latencies.sort((a, b) => a - b);

    // Throughput: every other sender spends its whole burst at once.
    const total = THROUGHPUT_SENDERS * SEND_BURST;
    const seen: number[][] = [[], []];
    const allArrived = Promise.all(
      [observer, secondObserver].map(
        (socket, i) =>
          new Promise<void>((resolve) => {
            socket.listeners.add((frame) => {
              if (frame.type !== "message" || !frame.message?.content.startsWith("load ")) return;
              seen[i].push(frame.message.id);
              if (seen[i].length === total) resolve();
            });
          }),
      ),
    );
    const started = performance.now();
    for (let s = 0; s < THROUGHPUT_SENDERS; s++) {
      for (let i = 0; i < SEND_BURST; i++) {
        senders[LATENCY_SENDERS + s].send({ type: "send", client_id: `load-${s}-${i}`, content: `load ${s}-${i}` });
      }
    }
    await allArrived;
    const seconds = (performance.now() - started) / 1000;
    const sameOrder = seen[0].every((id, i) => id === seen[1][i]);
    const ascending = seen[0].every((id, i) => i === 0 || id > seen[0][i - 1]);

    console.log(`\nOne room, ${senders.length + 2} sockets, wrangler dev on this machine:`);
    console.log(
      `latency send -> other socket: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms (${latencies.length} messages)`,
    );
    console.log(`throughput: ${total} messages from ${THROUGHPUT_SENDERS} senders in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(0)} messages/s`);
    console.log(`order: both observers saw the same ${seen[0].length} ids: ${sameOrder}; ascending: ${ascending}`);
    for (const socket of [observer, secondObserver, ...senders]) socket.ws.close();
  } finally {
    await server.stop();
  }
}

await main();
