/**
 * `npm run manage -- import-condor`, run for real on the original's export
 * (test/fixtures/condor-django, a copy of the shared fixture): `wrangler dev` on a throwaway
 * local state, then a dry run, the import and a second import into it through that worker
 * (the messages go into the rooms' objects through its admin routes), and the imported
 * people sign in and read their rooms over HTTP as any client would.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/dev-server.ts";
import { execute, type Row } from "../../scripts/wrangler-d1.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "test/fixtures/condor-django");
const DUMP = path.join(FIXTURE, "dumpdata.json");
const MEDIA = path.join(FIXTURE, "media");

/** The fixture README's table: who may sign in with what. */
const ACCOUNTS = [
  { username: "fcarreno", password: "condor-admin-1", signsIn: true },
  { username: "palmibb", password: "123456", signsIn: true },
  { username: "palmieri", password: "123456", signsIn: true },
  { username: "fabra", password: "fabra-pass", signsIn: true },
  { username: "saitama", password: "one-punch", signsIn: true },
  { username: "retired", password: "gone-away", signsIn: false },
  { username: "nopass", password: "", signsIn: false },
];

type Outcome = { code: number; stdout: string; stderr: string };
type DumpRecord = { model: string; pk: number; fields: Record<string, any> };

const dump: DumpRecord[] = JSON.parse(readFileSync(DUMP, "utf8"));
const dumped = (model: string) => dump.filter((record) => record.model === model);

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: ROOT, env: { ...process.env, ...env, WRANGLER_SEND_METRICS: "false" } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

let server: DevServer;
let dryRun: Outcome;
let firstImport: Outcome;
let secondImport: Outcome;
let countsAfterDryRun: Record<string, unknown>;
let countsAfterFirst: Record<string, unknown>;
let countsAfterSecond: Record<string, unknown>;

/** Imports into the server's state through the server itself. */
const importInto = (...extra: string[]) =>
  run(
    "scripts/manage.ts",
    ["import-condor", DUMP, "--media", MEDIA, "--persist-to", server.persistTo, "--url", server.url, ...extra],
    { CONDOR_ADMIN_TOKEN: server.adminToken },
  );

/** Runs SQL on the server's local D1 with wrangler itself; the last statement's rows. */
const query = async (persistTo: string, sql: string): Promise<Row[]> =>
  execute({ remote: false, persistTo }, [sql]).at(-1) ?? [];

/** Every message each of the export's rooms holds, through the admin routes. */
async function roomMessages(): Promise<Record<number, { id: number; content: string | null }[]>> {
  const held: Record<number, { id: number; content: string | null }[]> = {};
  for (const room of dumped("chat.room")) {
    const answer = await fetch(`${server.url}/api/admin/rooms/${room.pk}/messages`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(answer.status).toBe(200);
    held[room.pk] = ((await answer.json()) as any).messages.map((m: any) => ({ id: m.id, content: m.content }));
  }
  return held;
}

const COUNTS = `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM rooms) AS rooms,
  (SELECT count(*) FROM room_members) AS members, (SELECT count(*) FROM message_blocks) AS blocks`;

async function counts() {
  const [d1] = await query(server.persistTo, COUNTS);
  const messages = Object.values(await roomMessages()).reduce((sum, held) => sum + held.length, 0);
  return { ...d1, messages };
}

/** Whether any room's object has storage of its own (a file beside wrangler's metadata): one never used has none. */
function anyRoomStored() {
  const rooms = path.join(server.persistTo, "v3", "do", "condor-chat-Room");
  return existsSync(rooms) && readdirSync(rooms).some((file) => /\.sqlite$/.test(file) && file !== "metadata.sqlite");
}

let roomStorageAfterDryRun: boolean;

beforeAll(async () => {
  server = await startDevServer();
  dryRun = await importInto("--dry-run");
  roomStorageAfterDryRun = anyRoomStored();
  countsAfterDryRun = await counts();
  firstImport = await importInto();
  countsAfterFirst = await counts();
  secondImport = await importInto();
  countsAfterSecond = await counts();
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

async function api<T = any>(
  method: string,
  url: string,
  token?: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const answer = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(json !== undefined && { "content-type": "application/json" }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: answer.status, body: (await answer.json()) as T };
}

const tokens = new Map<string, string>();
async function signIn(username: string): Promise<string> {
  if (!tokens.has(username)) {
    const account = ACCOUNTS.find((a) => a.username === username)!;
    const { status, body } = await api("POST", "/api/v1/access_token/", undefined, {
      username,
      password: account.password,
    });
    expect(status, `${username} signs in`).toBe(200);
    tokens.set(username, body.access);
  }
  return tokens.get(username)!;
}

describe("import-condor on the original's export", () => {
  it("prints in a dry run what it would create and skip, and why, writing nothing", () => {
    expect(dryRun).toMatchObject({ code: 0, stderr: "" });
    expect(dryRun.stdout).toContain("Users to create: 7");
    expect(dryRun.stdout).toContain("Rooms to create: 4, with 7 messages");
    expect(dryRun.stdout).toContain("chat.message 8: empty: the API refuses empty messages");
    expect(dryRun.stdout).toContain("retired is inactive and cannot sign in");
    expect(dryRun.stdout).toContain("nopass has no usable password");
    expect(dryRun.stdout).toContain("Dry run: nothing was written.");
    expect(roomStorageAfterDryRun, "a room's object was written to").toBe(false);
    expect(countsAfterDryRun).toEqual({ users: 0, rooms: 0, members: 0, blocks: 0, messages: 0 });
  });

  it("imports every user, room, message and avatar in one command", () => {
    expect(firstImport).toMatchObject({ code: 0, stderr: "" });
    expect(firstImport.stdout).toContain("Imported: 7 users, 4 rooms, 7 messages, 2 avatars.");
    // Messages 1 to 3 in room 1, 4 in room 2, 5 to 7 in room 3 (8, empty, is skipped): one block each.
    expect(countsAfterFirst).toEqual({ users: 7, rooms: 4, members: 11, blocks: 3, messages: 7 });
  });

  it("adds nothing when run a second time", () => {
    expect(secondImport).toMatchObject({ code: 0, stderr: "" });
    expect(secondImport.stdout).toContain("Users to create: 0");
    expect(secondImport.stdout).toContain("Rooms to create: 0, with 0 messages");
    expect(secondImport.stdout).toContain("Already here from an earlier import, left as they are: 7 users, 4 rooms");
    expect(countsAfterSecond).toEqual(countsAfterFirst);
  });
});

describe("the imported installation", () => {
  it("signs in every account of the export with its old password, or refuses it as the original did", async () => {
    for (const { username, password, signsIn } of ACCOUNTS) {
      const { status } = await api("POST", "/api/v1/access_token/", undefined, {
        username,
        password: password || "anything",
      });
      expect(status, username).toBe(signsIn ? 200 : 401);
    }
  });

  it("replaces the 150,000- and 260,000-iteration hashes with native 100,000 ones once their owners sign in", async () => {
    for (const username of ["palmieri", "fcarreno"]) await signIn(username);
    const rows = await query(
      server.persistTo,
      "SELECT username, password FROM users WHERE username IN ('palmieri', 'fcarreno', 'retired')",
    );
    const hashes = Object.fromEntries(rows.map((row) => [row.username, row.password]));
    expect(hashes.palmieri).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect(hashes.fcarreno).toMatch(/^pbkdf2_sha256\$100000\$/);
    // Never signed in: the export's hash stays.
    expect(hashes.retired).toBe(dumped("auth.user").find((u) => u.fields.username === "retired")!.fields.password);
    tokens.clear();
    expect(await signIn("palmieri")).toBeTruthy();
  });

  it("keeps users' ids, names, emails, superuser and active flags", async () => {
    // A superuser's list holds the inactive too.
    const { body } = await api("GET", "/api/v1/profiles/?limit=50", await signIn("fcarreno"));
    const fieldsOf = (user: any) => [
      user.id,
      user.username,
      user.first_name,
      user.last_name,
      user.email,
      user.is_superuser,
      user.is_active,
    ];
    expect(body.results.map(fieldsOf)).toEqual(
      dumped("auth.user").map(({ pk, fields }) => fieldsOf({ id: pk, ...fields })),
    );
  });

  it("lists every room and DM with the same participants and messages, in the same order, none unread", async () => {
    const messages = new Map(dumped("chat.message").map((message) => [message.pk, message.fields]));
    for (const room of dumped("chat.room")) {
      const reader = dumped("auth.user").find((user) => user.pk === room.fields.participants.at(-1))!.fields.username;
      const token = await signIn(reader);
      const { status, body } = await api("GET", `/api/v1/rooms/${room.pk}/`, token);
      expect(status).toBe(200);
      expect(body.title).toBe(room.fields.title);
      expect(body.is_group).toBe(room.fields.is_goup);
      expect(body.participants.map((user: any) => user.id).sort()).toEqual([...room.fields.participants].sort());
      const expected = room.fields.messages
        .map((id: number) => ({ id, ...messages.get(id)! }))
        .filter((message: any) => message.content !== "");
      expect(
        body.messages.map((m: any) => ({ id: m.id, sender: m.sender, content: m.content, timestamp: m.timestamp })),
      ).toEqual(expected.map((m: any) => ({ id: m.id, sender: m.sender, content: m.content, timestamp: m.timestamp })));
      const list = await api("GET", "/api/v1/rooms/", token);
      expect(list.body.results.find((r: any) => r.id === room.pk).unread_count).toBe(0);
    }
  });

  it("gives back the message with HTML and a script tag as the plain text it was", async () => {
    const { body } = await api("GET", "/api/v1/rooms/2/messages/", await signIn("palmibb"));
    expect(body.messages[0].content).toBe("<b>bold?</b> & <script>alert(1)</script>");
  });

  it("serves own avatars from /media/ with their type, and the default to everyone else", async () => {
    const { body: users } = await api("GET", "/api/v1/profiles/?limit=50", await signIn("fabra"));
    const avatarOf = (username: string) =>
      users.results.find((user: any) => user.username === username).avatar_url as string;
    for (const [username, file, type] of [
      ["palmibb", "palmibb_avatar.png", "image/png"],
      ["saitama", "saitama.jpeg", "image/jpeg"],
      ["fcarreno", "default_img.png", "image/png"],
    ]) {
      const url = new URL(avatarOf(username));
      expect(url.pathname).toMatch(/^\/media\/avatar_files\//);
      const answer = await fetch(`${server.url}${url.pathname}`);
      expect(answer.status, username).toBe(200);
      expect(answer.headers.get("content-type")).toBe(type);
      expect(new Uint8Array(await answer.arrayBuffer())).toEqual(
        new Uint8Array(readFileSync(path.join(MEDIA, "avatar_files", file))),
      );
    }
    expect(avatarOf("fcarreno")).toMatch(/\/media\/avatar_files\/default_img\.png$/);
  });

  it("lets imported users chat at once, new rooms and messages taking ids past the imported ones", async () => {
    const token = await signIn("palmieri");
    const sent = await api("POST", "/api/v1/send_message_to_room/", token, {
      group_id: 3,
      message: "back on the new server",
    });
    expect(sent.status).toBe(201);
    const newest = sent.body.messages.at(-1);
    expect(newest).toMatchObject({ sender: 3, content: "back on the new server" });
    const imported = dumped("chat.message").filter((message) => message.fields.content !== "");
    expect(newest.id).toBeGreaterThan(Math.max(...imported.map((message) => message.pk)));
    expect(sent.body.messages.map((m: any) => m.id)).toEqual([5, 6, 7, newest.id]);
    const created = await api("POST", "/api/v1/rooms/", token, { title: "after the move", participants: [1] });
    expect(created.status).toBe(201);
    expect(created.body.id).toBeGreaterThan(Math.max(...dumped("chat.room").map((r) => r.pk)));
  });
});

describe("import-condor given a wrong export", () => {
  it("exits with code 2 without an export, and 1 for a missing file or one that is not a Django export", async () => {
    const none = await run("scripts/manage.ts", ["import-condor"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("import-condor needs the export");
    const missing = await run("scripts/manage.ts", ["import-condor", "no-such-dump.json", "--dry-run"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No such file: no-such-dump.json.");
    const folder = mkdtempSync(path.join(tmpdir(), "condor-dump-"));
    try {
      writeFileSync(path.join(folder, "dump.json"), "<html>not json</html>");
      writeFileSync(path.join(folder, "object.json"), '{"model": "auth.user"}');
      const notJson = await run("scripts/manage.ts", ["import-condor", path.join(folder, "dump.json"), "--dry-run"]);
      expect(notJson.code).toBe(1);
      expect(notJson.stderr).toContain("The export is not JSON");
      const notRecords = await run("scripts/manage.ts", [
        "import-condor",
        path.join(folder, "object.json"),
        "--dry-run",
      ]);
      expect(notRecords.code).toBe(1);
      expect(notRecords.stderr).toContain("is not a list of Django records");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
