/**
 * The app under test, started as `npm start` starts it: the client built for production,
 * the migrations applied to a local D1, `wrangler dev` on loopback, presence through the
 * Upstash gateway. Each start gets its own state, its own Redis and its own port, and is
 * seeded with the people, rooms and history the benchmarks need.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type DevServer, freePort, type SeedUser, startDevServer } from "../dev-server.ts";
import { execute, sqlText } from "../wrangler-d1.ts";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PASSWORD = "bench-password";
/** Members of the rooms (bench0..): the largest room has them all. */
export const ROOM_SIZES = [2, 10, 50];
const MEMBERS = Math.max(...ROOM_SIZES);
/** So that bench0 has 200 others to choose from in get_available_users. */
const EVERYONE = 201;
/** Messages already in the DM of bench0 and bench1 before the REST sends. */
export const DM_HISTORY = 5000;
/** Local tracing off: it costs wrangler dev about 2.5x in throughput (see README). */
export const BENCH_ENV = { X_LOCAL_OBSERVABILITY: "false" };
/**
 * The send allowance of the bench's run: high enough that it is not what is measured; and
 * push subscriptions may name the bench's loopback push service (push.ts).
 */
const BENCH_VARS = { SEND_BURST: "1000000", SEND_PER_SECOND: "1000000", PUSH_ALLOW_LOOPBACK: "true" };

/** Something the bench started and must stop, whatever happens. */
export type Stoppable = { stop(): Promise<void> };

export type Chat = Stoppable & {
  url: string;
  /** wrangler dev's process: with its children (workerd), what serving costs in CPU. */
  pid: number;
  /** wrangler's devtools port (see scripts/bench/profile.ts). */
  inspectorPort: number;
  /** Access tokens of bench0..bench49 (5 minutes; `signIn` again for later phases). */
  tokens: string[];
  /** Room id by number of members. */
  rooms: Map<number, number>;
  /** The local state directory (D1, the objects' storage). */
  persistTo: string;
  signIn(username: string): Promise<string>;
};

/** Builds the client as `npm start` does. */
export function buildClient() {
  const result = spawnSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: PROJECT_ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * A Redis of the bench's own (never the shared one on 6379: nothing of the bench's lands
 * there) behind the Upstash gateway, as `npm start` runs presence. The gateway runs in a
 * process of its own, so the load generators in this one do not slow it down.
 */
export async function startPresence(): Promise<Stoppable & { url: string; token: string }> {
  const port = await freePort();
  const redis = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const token = randomBytes(24).toString("base64url");
  const gatewayScript = path.join(PROJECT_ROOT, "scripts", "upstash-gateway.ts");
  for (let attempt = 0; ; attempt++) {
    const gateway = spawn(
      process.execPath,
      [gatewayScript, "--port", "0", "--redis-url", `redis://127.0.0.1:${port}`],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, UPSTASH_REDIS_REST_TOKEN: token },
      },
    );
    const url = await new Promise<string | undefined>((resolve) => {
      let output = "";
      gateway.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Upstash gateway on (http:\/\/\S+),/.exec(output);
        if (match) resolve(match[1]);
      });
      gateway.once("exit", () => resolve(undefined));
    });
    if (url) {
      return {
        url,
        token,
        async stop() {
          await stopChild(gateway);
          await stopChild(redis);
        },
      };
    }
    // Redis was not answering yet.
    if (attempt >= 50 || redis.exitCode !== null) {
      await stopChild(redis);
      throw new Error("the bench's Redis or its Upstash gateway did not start");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A wrangler config for the counting build (scripts/bench/counting-worker.ts): the
 * project's, with the entry swapped and paths made absolute, in a directory of its own.
 */
function countingConfig(): { configPath: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "condor-bench-config-"));
  const text = readFileSync(path.join(PROJECT_ROOT, "wrangler.toml"), "utf8")
    .replace(
      /^main = .*$/m,
      `main = ${JSON.stringify(path.join(PROJECT_ROOT, "scripts", "bench", "counting-worker.ts"))}`,
    )
    .replace(/^directory = "(.*)"$/m, (_, dir: string) => `directory = ${JSON.stringify(path.join(PROJECT_ROOT, dir))}`)
    .replace(
      /^migrations_dir = "(.*)"$/m,
      (_, dir: string) => `migrations_dir = ${JSON.stringify(path.join(PROJECT_ROOT, dir))}`,
    );
  const configPath = path.join(dir, "wrangler.toml");
  writeFileSync(configPath, text);
  return { configPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const people = (): SeedUser[] =>
  Array.from({ length: EVERYONE }, (_, i) =>
    i < MEMBERS
      ? { username: `bench${i}`, password: PASSWORD, firstName: `Member ${i}` }
      : { username: `crowd${i}`, password: PASSWORD, firstName: `Person ${i}` },
  );

/**
 * The DM of users 1 and 2 (bench0, bench1: seeded first), straight into D1, with the block
 * of ids its history takes (1 to DM_HISTORY): no room has been handed ids yet, and the first
 * block a room gets starts above it (reserveMessageIds in core/db/messages.ts).
 */
function dmWithIdsForHistory(): string[] {
  const at = sqlText(new Date().toISOString());
  return [
    `INSERT INTO rooms (id, title, is_group, dm_key, created_by, created_at) VALUES (1, 'bench0 - bench1', 0, '1:2', 1, ${at})`,
    `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (1, 1, 'member', ${at}), (1, 2, 'member', ${at})`,
    `INSERT INTO message_blocks (first_id, end_id, room_id) VALUES (1, ${DM_HISTORY + 1}, 1)`,
  ];
}

/** The DM's history, into its room through the admin route an import uses, at most 1,000 messages a request. */
async function fillDmHistory(server: DevServer) {
  const createdAt = new Date().toISOString();
  for (let first = 1; first <= DM_HISTORY; first += 1000) {
    const messages = Array.from({ length: Math.min(1000, DM_HISTORY - first + 1) }, (_, i) => ({
      id: first + i,
      sender_id: 1 + ((first + i) % 2),
      created_at: createdAt,
      content: `history ${first + i}`,
    }));
    const answer = await fetch(`${server.url}/api/admin/rooms/1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ messages, reads: [] }),
    });
    if (!answer.ok) throw new Error(`filling the DM's history failed: ${answer.status} ${await answer.text()}`);
  }
}

/**
 * Starts Condor Chat (the real worker, or with `counting` the counting build) with its
 * own presence, signs the members in and makes a room of each size.
 */
export async function startChat(options: { counting?: boolean } = {}): Promise<Chat> {
  const presence = await startPresence();
  const config = options.counting ? countingConfig() : undefined;
  let server: DevServer;
  try {
    server = await startDevServer(people(), {
      configPath: config?.configPath,
      env: BENCH_ENV,
      vars: { ...BENCH_VARS, UPSTASH_REDIS_REST_URL: presence.url, UPSTASH_REDIS_REST_TOKEN: presence.token },
      prepare: async (persistTo) => execute({ remote: false, persistTo }, dmWithIdsForHistory()),
    });
  } catch (error) {
    config?.remove();
    await presence.stop();
    throw error;
  }
  const stop = async () => {
    await server.stop();
    config?.remove();
    await presence.stop();
  };
  try {
    await fillDmHistory(server);
    const signIn = async (username: string) => {
      const answer = await fetch(`${server.url}/api/v1/access_token/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      if (!answer.ok) throw new Error(`sign-in of ${username} failed: ${answer.status}`);
      return ((await answer.json()) as { access: string }).access;
    };
    const tokens: string[] = [];
    // A few at a time: each sign-in is a deliberately slow password hash.
    for (let i = 0; i < MEMBERS; i += 5) {
      tokens.push(
        ...(await Promise.all(Array.from({ length: Math.min(5, MEMBERS - i) }, (_, j) => signIn(`bench${i + j}`)))),
      );
    }
    // Seeded in order into a fresh database: bench<i> has the id i + 1.
    const userIds = Array.from({ length: MEMBERS }, (_, i) => i + 1);
    const rooms = new Map<number, number>();
    for (const size of ROOM_SIZES) {
      const created = await fetch(`${server.url}/api/v1/rooms/`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens[0]}`, "content-type": "application/json" },
        body: JSON.stringify({ title: `room of ${size}`, participants: userIds.slice(1, size) }),
      });
      if (!created.ok) throw new Error(`making the room of ${size} failed: ${created.status} ${await created.text()}`);
      rooms.set(size, ((await created.json()) as { id: number }).id);
    }
    const { url, pid, inspectorPort, persistTo } = server;
    return { url, pid, inspectorPort, persistTo, tokens, rooms, signIn, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
