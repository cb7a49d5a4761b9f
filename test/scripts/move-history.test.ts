/**
 * `npm run manage -- move-history`, run for real on the local state of an installation from
 * before the rooms kept their own history: D1 holds every message and read position, at the
 * migrations before the one that drops them. The runs go through one `wrangler dev` on that
 * state (--url); the first is killed between two batches, the next finishes, and a third
 * finds nothing to do.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/dev-server.ts";
import { execute, executeFile, HISTORY_NOT_MOVED, type Row, sqlText } from "../../scripts/wrangler-d1.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MIGRATIONS = path.join(ROOT, "migrations");
const state = mkdtempSync(path.join(tmpdir(), "condor-move-"));
const target = { remote: false as const, persistTo: state };

type Outcome = { code: number; stdout: string; stderr: string };

let server: DevServer;
/** Through the test's worker, with its admin token. */
const throughServer = () => ["--persist-to", state, "--url", server.url];
const withToken = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", CONDOR_ADMIN_TOKEN: server.adminToken });

const manage = (...args: string[]): Promise<Outcome> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["scripts/manage.ts", ...args, ...throughServer()],
      { cwd: ROOT, env: withToken() },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });

/** Runs move-history and kills it, with everything it started, once it has moved `batches` batches. */
function moveAndKill(batches: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/manage.ts", "move-history", "--batch", "20", ...throughServer()], {
      cwd: ROOT,
      env: withToken(),
      // Its own process group: the kill reaches whatever it started, as a crash would.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if ((output.match(/messages moved \(ids/g) ?? []).length >= batches) process.kill(-child.pid!, "SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(output) : reject(new Error(`not killed:\n${output}`)),
    );
  });
}

/** The local D1 at every migration before the drop of its history, as an older installation has it. */
function migrateBeforeTheDrop() {
  const files = readdirSync(MIGRATIONS)
    .filter((file) => file.endsWith(".sql"))
    .sort();
  const drop = files.findIndex((file) => readFileSync(path.join(MIGRATIONS, file), "utf8").includes(HISTORY_NOT_MOVED));
  // As wrangler keeps track of them, so that it applies only the rest.
  execute(target, [
    "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
  ]);
  for (const file of drop === -1 ? files : files.slice(0, drop)) {
    executeFile(target, [
      readFileSync(path.join(MIGRATIONS, file), "utf8"),
      `INSERT INTO d1_migrations (name) VALUES (${sqlText(file)})`,
    ]);
  }
}

const query = (sql: string): Row[] => execute(target, [sql])[0];

/** Three rooms whose ids came in runs of ten, taking turns, as blocks were handed out before they were recorded. */
const ROOMS = [1, 2, 3];
const seeded = Array.from({ length: 150 }, (_, i) => {
  const id = i + 1;
  const room = ROOMS[Math.floor(i / 10) % 3];
  return {
    id,
    room,
    sender: 1 + (id % 2),
    content: id % 7 === 0 ? "" : `message ${id} in room ${room}: ¿qué tal? 🦅 <b>`,
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
    edited_at: id % 5 === 0 && id % 7 !== 0 ? new Date(Date.UTC(2025, 0, 2, 0, 0, id)).toISOString() : null,
    deleted_at: id % 7 === 0 ? new Date(Date.UTC(2025, 0, 3, 0, 0, id)).toISOString() : null,
  };
});
const value = (v: string | number | null) => (v === null ? "NULL" : typeof v === "number" ? String(v) : sqlText(v));

let killedOutput: string;
let leftAfterKill: number;
let roomsLeftAfterKill: number;
let second: Outcome;
let third: Outcome;
let blocksAfterSecond: Row[];
let blocksAfterThird: Row[];
let held: Record<number, unknown[]>;
let d1After: Row;
let roomsOfIds: Row[];

beforeAll(async () => {
  migrateBeforeTheDrop();
  const at = "2025-01-01T00:00:00.000Z";
  executeFile(target, [
    `INSERT INTO users (id, username, password, date_joined) VALUES (1, 'ann', '!', ${sqlText(at)}), (2, 'ben', '!', ${sqlText(at)})`,
    `INSERT INTO rooms (id, title, is_group, created_by, created_at) VALUES ${ROOMS.map((r) => `(${r}, 'room ${r}', 1, 1, ${sqlText(at)})`).join(", ")}`,
    `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_id) VALUES
       (1, 1, 'owner', ${sqlText(at)}, 130), (1, 2, 'member', ${sqlText(at)}, 61),
       (2, 1, 'owner', ${sqlText(at)}, 140), (3, 1, 'owner', ${sqlText(at)}, 0)`,
    ...seeded.map(
      (m) =>
        `INSERT INTO messages (id, room_id, sender_id, content, created_at, edited_at, deleted_at) VALUES (${[
          m.id,
          m.room,
          m.sender,
          m.content,
          m.created_at,
          m.edited_at,
          m.deleted_at,
        ]
          .map(value)
          .join(", ")})`,
    ),
  ]);
  // Nothing writes D1's messages any more once the rooms keep their own: whatever tries, fails.
  execute(target, [
    "CREATE TRIGGER messages_come_no_more BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'D1 takes no messages now'); END",
  ]);
  server = await startDevServer([], { persistTo: state });
  killedOutput = await moveAndKill(2);
  leftAfterKill = Number(query("SELECT count(*) AS n FROM messages")[0].n);
  roomsLeftAfterKill = Number(query("SELECT count(DISTINCT room_id) AS n FROM messages")[0].n);
  second = await manage("move-history", "--batch", "20");
  blocksAfterSecond = query("SELECT first_id, end_id, room_id FROM message_blocks ORDER BY first_id");
  // The run ends with the migration that drops them.
  d1After = query(`SELECT
    (SELECT count(*) FROM sqlite_master WHERE name = 'messages') AS messages,
    (SELECT count(*) FROM pragma_table_info('room_members') WHERE name = 'last_read_id') AS reads`)[0];
  roomsOfIds = query(`SELECT value AS id, (SELECT room_id FROM message_blocks
      WHERE first_id <= value AND value < end_id ORDER BY first_id DESC LIMIT 1) AS room
    FROM json_each(${sqlText(JSON.stringify(seeded.map((m) => m.id)))})`);
  held = {};
  for (const room of ROOMS) {
    const answer = await fetch(`${server.url}/api/admin/rooms/${room}/messages`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    held[room] = ((await answer.json()) as any).messages;
  }
  await server.stop({ keepState: true });
  // On its own this time: the command starts a worker on the state for as long as it runs.
  third = await new Promise<Outcome>((resolve) => {
    execFile(
      process.execPath,
      ["scripts/manage.ts", "move-history", "--persist-to", state],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    );
  });
  blocksAfterThird = query("SELECT first_id, end_id, room_id FROM message_blocks ORDER BY first_id");
}, 300_000);

afterAll(() => rmSync(state, { recursive: true, force: true }));

describe("move-history", () => {
  it("was killed between batches, with part of D1's history moved", () => {
    expect(killedOutput).toContain("Room 1: 20 messages moved (ids 1 to 40).");
    expect(leftAfterKill).toBeGreaterThan(0);
    expect(leftAfterKill).toBeLessThanOrEqual(seeded.length - 40);
  });

  it("finishes when run again, every message in its room exactly once, as D1 had it", () => {
    expect(second).toMatchObject({ code: 0, stderr: "" });
    expect(second.stdout).toContain("Room 3: moved,");
    // The kill lands after room 1's second batch, but a batch already asked for may still
    // finish in the worker: the second run moves the rooms D1 still had messages of.
    expect(second.stdout).toMatch(
      new RegExp(`Moved into their rooms: [\\d,]+ messages of ${roomsLeftAfterKill} rooms, 3 read positions\\.`),
    );
    expect(second.stdout).toContain("Applied the migration that drops D1's history (local).");
    for (const room of ROOMS) {
      expect(held[room], `room ${room}`).toEqual(
        seeded
          .filter((m) => m.room === room)
          .map((m) => ({
            id: m.id,
            sender_id: m.sender,
            client_id: null,
            created_at: m.created_at,
            content: m.content,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
          })),
      );
    }
    expect(d1After).toEqual({ messages: 0, reads: 0 });
  });

  it("leaves every id finding its room, with one block per run of a room's ids", () => {
    expect(roomsOfIds).toEqual(seeded.map((m) => ({ id: m.id, room: m.room })));
    expect(blocksAfterSecond).toHaveLength(seeded.length / 10);
    expect(blocksAfterSecond[0]).toEqual({ first_id: 1, end_id: 11, room_id: 1 });
  });

  it("finds nothing to do a third time, and changes nothing", () => {
    expect(third).toMatchObject({ code: 0, stderr: "" });
    expect(third.stdout).toContain("D1 holds no history to move.");
    expect(third.stdout).not.toContain("moved");
    expect(blocksAfterThird).toEqual(blocksAfterSecond);
  });
});

describe("move-history given wrong options", () => {
  it("refuses --remote without the worker's address, and a batch out of range, before touching anything", async () => {
    const remote = await new Promise<Outcome>((resolve) => {
      execFile(
        process.execPath,
        ["scripts/manage.ts", "move-history", "--remote"],
        { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CONDOR_URL: "" } },
        (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
      );
    });
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain("--remote needs the deployed worker's address");
    const batch = await manage("move-history", "--batch", "0");
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain("--batch takes a whole number from 1 to 500.");
  });
});
