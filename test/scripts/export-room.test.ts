/**
 * `npm run manage -- export-room`, run for real: the original's export imported into one
 * installation, a room of it exported, and the export imported into a fresh installation,
 * which then has the same room, members and messages. Every command starts its own worker
 * on its state.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/dev-server.ts";
import { roomRecords } from "../../scripts/export-room.ts";
import { execute, type Row } from "../../scripts/wrangler-d1.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DUMP = path.join(ROOT, "test/fixtures/condor-django/dumpdata.json");
const dump: { model: string; pk: number; fields: Record<string, any> }[] = JSON.parse(readFileSync(DUMP, "utf8"));
const folder = mkdtempSync(path.join(tmpdir(), "condor-export-"));
const [first, second] = [path.join(folder, "first"), path.join(folder, "second")];
const exported = path.join(folder, "room-3.json");

type Outcome = { code: number; stdout: string; stderr: string };

const manage = (...args: string[]): Promise<Outcome> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["scripts/manage.ts", ...args],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    );
  });

const query = (persistTo: string, sql: string): Row[] => execute({ remote: false, persistTo }, [sql])[0];

let withPasswords: Outcome;
let toFile: Outcome;
let reimport: Outcome;
let server: DevServer;

beforeAll(async () => {
  const imported = await manage("import-condor", DUMP, "--persist-to", first);
  expect(imported.code, imported.stderr).toBe(0);
  withPasswords = await manage("export-room", "3", "--with-passwords", "--persist-to", first);
  toFile = await manage("export-room", "3", "--out", exported, "--persist-to", first);
  reimport = await manage("import-condor", exported, "--persist-to", second);
  server = await startDevServer([], { persistTo: second });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe("export-room", () => {
  it("writes the room's members and messages as Django records, to the standard output or a file", () => {
    expect(withPasswords).toMatchObject({ code: 0 });
    const records = JSON.parse(withPasswords.stdout);
    expect(records.map((r: any) => `${r.model} ${r.pk}`)).toEqual([
      "auth.user 1",
      "auth.user 2",
      "auth.user 3",
      "auth.user 5",
      "chat.message 5",
      "chat.message 6",
      "chat.message 7",
      "chat.room 3",
    ]);
    expect(records.at(-1).fields).toEqual({
      title: "new test room chat",
      timestamp: "2026-11-27T19:08:15.087Z",
      is_goup: true,
      messages: [5, 6, 7],
      participants: [1, 2, 3, 5],
      owner: 1,
    });
    expect(toFile).toMatchObject({ code: 0, stdout: "" });
    expect(toFile.stderr).toContain(`Room 3 exported to ${exported}: 4 members, 3 messages.`);
  });

  it("keeps password hashes only when asked to, and gives nobody superuser rights", () => {
    const hashes = Object.fromEntries(query(first, "SELECT id, password FROM users").map((u) => [u.id, u.password]));
    const users = (json: string) => JSON.parse(json).filter((r: any) => r.model === "auth.user");
    for (const user of users(withPasswords.stdout)) expect(user.fields.password).toBe(hashes[user.pk]);
    for (const user of users(readFileSync(exported, "utf8"))) {
      expect(user.fields.password).toMatch(/^!/);
      expect(user.fields.is_superuser).toBe(false);
    }
  });

  it("imports into a fresh installation as the same room with the same members and messages", async () => {
    expect(reimport).toMatchObject({ code: 0, stderr: "" });
    expect(reimport.stdout).toContain("Imported: 4 users, 1 room, 3 messages, 0 avatars.");
    const [room] = query(second, "SELECT id, title, is_group FROM rooms");
    expect(room).toEqual({ id: 3, title: "new test room chat", is_group: 1 });
    expect(query(second, "SELECT user_id, role FROM room_members ORDER BY user_id")).toEqual(
      query(first, "SELECT user_id, role FROM room_members WHERE room_id = 3 ORDER BY user_id"),
    );
    const people = "SELECT id, username, first_name, last_name, email, is_active FROM users";
    expect(query(second, `${people} ORDER BY id`)).toEqual(
      query(first, `${people} WHERE id IN (1, 2, 3, 5) ORDER BY id`),
    );
    const answer = await fetch(`${server.url}/api/admin/rooms/3/messages`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const messages = ((await answer.json()) as any).messages;
    const original = dump.filter((r) => r.model === "chat.message" && [5, 6, 7].includes(r.pk));
    expect(messages.map((m: any) => [m.id, m.sender_id, m.content, m.created_at, m.edited_at])).toEqual(
      original.map((r) => [r.pk, r.fields.sender, r.fields.content, r.fields.timestamp, null]),
    );
  });

  it("refuses a room that does not exist, and an id that is not one", async () => {
    const missing = await manage("export-room", "99", "--persist-to", first);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Room 99 does not exist.");
    const notAnId = await manage("export-room", "three", "--persist-to", first);
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain("'three' is not a room id.");
  });
});

describe("a room's records", () => {
  const room = { id: 9, title: "t", is_group: 0, created_at: "2025-01-01T00:00:00.000Z" };
  const user = (id: number) => ({
    id,
    username: `u${id}`,
    email: "",
    first_name: "",
    last_name: "",
    password: "pbkdf2_sha256$1$s$h",
    is_active: 1,
    date_joined: "2025-01-01T00:00:00.000Z",
    last_login: null,
  });
  const message = (id: number, extra: Record<string, unknown> = {}) => ({
    id,
    sender_id: 1,
    created_at: "2025-01-01T00:00:00.000Z",
    content: `m${id}`,
    edited_at: null,
    deleted_at: null,
    ...extra,
  });

  it("leaves deleted messages out, keeps an edit's time, and names no owner for a DM", () => {
    const records = roomRecords(
      {
        room,
        members: [
          { user_id: 1, role: "member" },
          { user_id: 2, role: "member" },
        ],
        users: [user(2), user(1)],
        messages: [
          message(1, { edited_at: "2025-01-02T00:00:00.000Z" }),
          message(2, { content: "", deleted_at: "2025-01-03T00:00:00.000Z" }),
        ],
      },
      true,
    );
    expect(records.map((r) => `${r.model} ${r.pk}`)).toEqual([
      "auth.user 1",
      "auth.user 2",
      "chat.message 1",
      "chat.room 9",
    ]);
    expect(records[2].fields).toEqual({
      sender: 1,
      content: "m1",
      timestamp: "2025-01-01T00:00:00.000Z",
      edited_at: "2025-01-02T00:00:00.000Z",
    });
    expect(records[3].fields).toMatchObject({ is_goup: false, messages: [1], participants: [1, 2] });
    expect(records[3].fields).not.toHaveProperty("owner");
  });

  it("carries a message's mentions, quote, thread and reactions, and nothing of them when it has none", () => {
    const records = roomRecords(
      {
        room,
        members: [
          { user_id: 1, role: "owner" },
          { user_id: 2, role: "member" },
        ],
        users: [user(1), user(2)],
        messages: [
          message(1, { mentions: [2], reactions: [{ emoji: "👍", users: [2, 1] }] }),
          message(2, { sender_id: 2, thread_root: 1 }),
          message(3, { sender_id: 2, reply_to: 1 }),
        ],
      },
      false,
    );
    const fields = records.filter((r) => r.model === "chat.message").map((r) => r.fields);
    expect(fields[0]).toMatchObject({ mentions: [2], reactions: [{ emoji: "👍", users: [2, 1] }] });
    expect(fields[1]).toMatchObject({ thread: 1 });
    expect(fields[2]).toMatchObject({ reply_to: 1 });
    for (const key of ["mentions", "reactions", "reply_to"]) expect(fields[1]).not.toHaveProperty(key);
    expect(fields[0]).not.toHaveProperty("attachments");
    expect(fields[0]).not.toHaveProperty("previews");
  });

  it("refuses a room whose text is still only in D1", () => {
    expect(() =>
      roomRecords({ room, members: [], users: [], messages: [message(4, { content: null })] }, false),
    ).toThrow("The text of message 4 is still only in D1: run `npm run manage -- move-history` first.");
  });
});
