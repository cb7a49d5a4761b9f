/**
 * `npm run soak`: Condor Chat under a long, mixed load, and a check that nothing was lost.
 *
 * Runs the app as `npm start` does (the production client build, the migrations applied to a
 * local D1, `wrangler dev` with X_LOCAL_OBSERVABILITY=false) on a throwaway state and a free
 * port, loopback only. Then 500 people in 50 rooms of 10, each with a socket open, send
 * 20,000 messages between them, four in five over their socket and one in five over REST,
 * each person within the send limit (a burst of SEND_BURST, then SEND_PER_SECOND). Afterwards
 * every participant's received sequence must equal its room's history: zero lost, zero
 * duplicated, zero out of order. Prints a table with the workerd memory at start and end;
 * exits 1 if anything was lost, repeated or reordered, or the run passed its time bound.
 *
 * Sizes can be changed for a shorter run: SOAK_ROOMS, SOAK_PER_ROOM, SOAK_MESSAGES.
 * The soak signs its own access tokens with the server's secret (it starts the server):
 * signing 500 people in one by one would measure password hashing, not chat.
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { SEND_PER_SECOND } from "../core/protocol.ts";
import { joinRoom, type Participant } from "./chat-client.ts";
import { type DevServer, serverMemory, startDevServer } from "./dev-server.ts";

const ROOMS = Number(process.env.SOAK_ROOMS ?? 50);
const PER_ROOM = Number(process.env.SOAK_PER_ROOM ?? 10);
const MESSAGES = Number(process.env.SOAK_MESSAGES ?? 20_000);
/** One message in this many goes over REST; the rest over the sender's socket. */
const REST_EVERY = 5;
/** Each person's pace, safely under SEND_PER_SECOND. */
const SEND_EVERY_MS = Math.ceil(1000 / (SEND_PER_SECOND * 0.8));
/** The whole run, start to finish, must end within this. */
const TIME_BOUND_MS = 20 * 60 * 1000;
const OPEN_AT_ONCE = 25;

type Person = {
  username: string;
  id: number;
  token: string;
  roomId: number;
  socket?: Participant;
  restSent: number;
  restRetries: number;
};

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function mintToken(secret: string, userId: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ token_type: "access", user_id: userId, jti: crypto.randomUUID().replaceAll("-", "") })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + TIME_BOUND_MS / 1000)
    .sign(new TextEncoder().encode(secret));
}

async function api(server: DevServer, method: string, path: string, token: string, json?: unknown) {
  const answer = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: answer.status, headers: answer.headers, body: (await answer.json()) as any };
}

/** Runs `work` over items with at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(work));
}

/** Sends over REST, waiting out 429s and 503s as a client should. */
async function sendOverRest(server: DevServer, person: Person, content: string) {
  for (;;) {
    const answer = await api(server, "POST", "/api/v1/send_message_to_room/", person.token, {
      group_id: person.roomId,
      message: content,
    });
    if (answer.status === 201) return;
    if (answer.status !== 429 && answer.status !== 503)
      throw new Error(`REST send of ${person.username}: ${answer.status} ${JSON.stringify(answer.body)}`);
    person.restRetries += 1;
    await sleep(Number(answer.headers.get("retry-after") ?? 1) * 1000);
  }
}

/** A room's whole history, oldest first, paged back from the latest. */
async function historyOf(server: DevServer, roomId: number, token: string): Promise<number[]> {
  let ids: number[] = [];
  for (;;) {
    const before = ids.length > 0 ? `&before=${ids[0]}` : "";
    const page = await api(server, "GET", `/api/v1/rooms/${roomId}/messages/?limit=100${before}`, token);
    if (page.status !== 200) throw new Error(`history of room ${roomId}: ${page.status}`);
    ids = [...page.body.messages.map((m: { id: number }) => m.id), ...ids];
    if (!page.body.has_more) return ids;
  }
}

/** How a received sequence differs from history. */
function compare(received: number[], history: number[]) {
  const seen = new Set(received);
  const lost = history.filter((id) => !seen.has(id)).length;
  const duplicated = received.length - seen.size;
  let outOfOrder = 0;
  for (let i = 1; i < received.length; i++) if (received[i] <= received[i - 1]) outOfOrder += 1;
  return {
    lost,
    duplicated,
    outOfOrder,
    equal: received.length === history.length && received.every((id, i) => id === history[i]),
  };
}

async function main() {
  const started = performance.now();
  const deadline = setTimeout(() => {
    console.error(`The soak passed its time bound of ${TIME_BOUND_MS / 60000} minutes.`);
    process.exit(1);
  }, TIME_BOUND_MS);

  console.log("> Building the client (production build)");
  if (spawnSync("npx", ["vite", "build", "--logLevel", "warn"], { stdio: "inherit" }).status !== 0) process.exit(1);

  const usernames = Array.from({ length: ROOMS * PER_ROOM }, (_, i) => `soak${i}`);
  console.log(`> Starting wrangler dev with ${usernames.length} people (local D1, migrations applied)`);
  const server = await startDevServer(
    usernames.map((username) => ({ username, password: "soak-password" })),
    { env: { X_LOCAL_OBSERVABILITY: "false" } },
  );
  try {
    const memoryAtStart = serverMemory(server);
    const ids = new Map<string, number>();
    const firstToken = await mintToken(server.secret, 1);
    for (let offset = 0; ids.size < usernames.length; offset += 100) {
      const page = await api(server, "GET", `/api/v1/profiles/?limit=100&offset=${offset}`, firstToken);
      if (page.status !== 200) throw new Error(`listing people answered ${page.status}: ${JSON.stringify(page.body)}`);
      for (const user of page.body.results) ids.set(user.username, user.id);
      if (!page.body.next) break;
    }
    const people: Person[] = [];
    for (const username of usernames) {
      const id = ids.get(username)!;
      people.push({ username, id, token: await mintToken(server.secret, id), roomId: 0, restSent: 0, restRetries: 0 });
    }

    console.log(`> Making ${ROOMS} rooms of ${PER_ROOM}`);
    const rooms: { id: number; members: Person[] }[] = [];
    for (let r = 0; r < ROOMS; r++) {
      const members = people.slice(r * PER_ROOM, (r + 1) * PER_ROOM);
      const made = await api(server, "POST", "/api/v1/rooms/", members[0].token, {
        title: `soak room ${r}`,
        participants: members.slice(1).map((m) => m.id),
      });
      if (made.status !== 201) throw new Error(`room ${r}: ${made.status} ${JSON.stringify(made.body)}`);
      for (const member of members) member.roomId = made.body.id;
      rooms.push({ id: made.body.id, members });
    }

    console.log(`> Opening ${people.length} sockets`);
    await inBatches(people, OPEN_AT_ONCE, async (person) => {
      person.socket = await joinRoom({
        url: server.url,
        roomId: person.roomId,
        token: () => person.token,
        name: person.username,
      });
    });
    const memoryWithSockets = serverMemory(server);

    const each = Math.ceil(MESSAGES / people.length);
    console.log(
      `> Sending ${each * people.length} messages (${each} each, one in ${REST_EVERY} over REST, one every ${SEND_EVERY_MS} ms per person)`,
    );
    const sendingFrom = performance.now();
    await Promise.all(
      people.map(async (person, p) => {
        // Staggered starts, so that not everyone sends in the same millisecond.
        await sleep((p * SEND_EVERY_MS) / people.length);
        for (let i = 0; i < each; i++) {
          const content = `${person.username} #${i}`;
          if (i % REST_EVERY === REST_EVERY - 1) {
            await sendOverRest(server, person, content);
            person.restSent += 1;
          } else {
            person.socket!.send(content);
          }
          await sleep(SEND_EVERY_MS);
        }
        await person.socket!.allAcked();
      }),
    );
    const sendingMs = performance.now() - sendingFrom;

    console.log("> Checking every participant against their room's history");
    const totals = { history: 0, lost: 0, duplicated: 0, outOfOrder: 0, unequal: 0 };
    for (const room of rooms) {
      const history = await historyOf(server, room.id, room.members[0].token);
      totals.history += history.length;
      const last = history.at(-1) ?? 0;
      await Promise.all(room.members.map((member) => member.socket!.seen(last)));
      for (const member of room.members) {
        const difference = compare(member.socket!.received, history);
        totals.lost += difference.lost;
        totals.duplicated += difference.duplicated;
        totals.outOfOrder += difference.outOfOrder;
        if (!difference.equal) totals.unequal += 1;
      }
    }
    const memoryAtEnd = serverMemory(server);
    const sockets = people.map((person) => person.socket!);
    const sentOverSocket = sockets.reduce((sum, socket) => sum + socket.acked.size, 0);
    const sentOverRest = people.reduce((sum, person) => sum + person.restSent, 0);
    const storedOnce = totals.history === sentOverSocket + sentOverRest;

    const rows: [string, string][] = [
      ["rooms x people", `${ROOMS} x ${PER_ROOM}`],
      ["sockets open", String(sockets.length)],
      ["messages over WebSocket (acknowledged)", String(sentOverSocket)],
      ["messages over REST (201)", String(sentOverRest)],
      ["messages in history", `${totals.history}${storedOnce ? "" : " (MISMATCH)"}`],
      ["sending took", `${(sendingMs / 1000).toFixed(1)} s`],
      ["messages per second", (totals.history / (sendingMs / 1000)).toFixed(0)],
      ["deliveries checked", String(totals.history * PER_ROOM)],
      ["lost", String(totals.lost)],
      ["duplicated", String(totals.duplicated)],
      ["out of order", String(totals.outOfOrder)],
      ["participants whose sequence != history", String(totals.unequal)],
      ["socket reconnects", String(sockets.reduce((sum, socket) => sum + socket.reconnects, 0))],
      ["sends resent after a throttled error", String(sockets.reduce((sum, socket) => sum + socket.throttled, 0))],
      ["sends resent after unavailable", String(sockets.reduce((sum, socket) => sum + socket.unavailable, 0))],
      ["REST sends retried (429/503)", String(people.reduce((sum, person) => sum + person.restRetries, 0))],
      ["workerd memory (RSS) at start", mib(memoryAtStart)],
      ["workerd memory (RSS) with sockets open", mib(memoryWithSockets)],
      ["workerd memory (RSS) at end", mib(memoryAtEnd)],
      ["whole run", `${((performance.now() - started) / 1000).toFixed(0)} s`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`\n| ${"measure".padEnd(width)} | value |\n|${"-".repeat(width + 2)}|-------|`);
    for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value} |`);

    for (const socket of sockets) socket.close();
    const clean =
      totals.lost === 0 && totals.duplicated === 0 && totals.outOfOrder === 0 && totals.unequal === 0 && storedOnce;
    console.log(clean ? "\nNothing lost, duplicated or reordered." : "\nFAILED: see the table.");
    process.exitCode = clean ? 0 : 1;
  } finally {
    clearTimeout(deadline);
    await server.stop();
  }
}

await main();
