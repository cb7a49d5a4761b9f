/**
 * `npm run manage -- import-slack`, run for real on a Slack export made for the test
 * (test/fixtures/slack-export, zipped here as Slack zips it): `wrangler dev` on a throwaway
 * local state, then a dry run, the import and a second import into it through that worker,
 * and the imported people read their rooms over HTTP as any client would.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/dev-server.ts";
import { execute, type Row } from "../../scripts/wrangler-d1.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "test/fixtures/slack-export");

type Outcome = { code: number; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["scripts/manage.ts", ...args],
      { cwd: ROOT, env: { ...process.env, ...env, WRANGLER_SEND_METRICS: "false" } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The fixture's files as Slack's zip holds them: relative paths, the lists at the root. */
function zipFixture(): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith(".json")) files[path.relative(FIXTURE, file)] = new Uint8Array(readFileSync(file));
    }
  };
  walk(FIXTURE);
  // A big channel, made here: more messages than one request to a room carries.
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  files["channels.json"] = encode([
    ...JSON.parse(new TextDecoder().decode(files["channels.json"])),
    { id: "C09BIG", name: "big", created: 1590000000, creator: "U02BOB", members: ["U01ALICE", "U02BOB"] },
  ]);
  for (let day = 0; day < BIG_DAYS; day++) {
    const messages = Array.from({ length: BIG_PER_DAY }, (_, i) => ({
      type: "message",
      user: i % 2 === 0 ? "U01ALICE" : "U02BOB",
      text: `message ${day * BIG_PER_DAY + i}`,
      ts: `${1590000000 + day * 86_400 + i}.000100`,
    }));
    files[`big/2020-05-${String(21 + day).padStart(2, "0")}.json`] = encode(messages.reverse());
  }
  return zipSync(files);
}
const BIG_DAYS = 3;
const BIG_PER_DAY = 400;
const BIG = BIG_DAYS * BIG_PER_DAY;

let server: DevServer;
let folder: string;
let zip: string;
let dryRun: Outcome;
let firstImport: Outcome;
let secondImport: Outcome;
const counts: Record<"dryRun" | "first" | "second", Row> = { dryRun: {}, first: {}, second: {} };

const importInto = (...extra: string[]) =>
  run(["import-slack", zip, "--persist-to", server.persistTo, "--url", server.url, ...extra], {
    CONDOR_ADMIN_TOKEN: server.adminToken,
  });

const query = (sql: string): Row[] => execute({ remote: false, persistTo: server.persistTo }, [sql]).at(-1) ?? [];

const COUNTS = `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM rooms) AS rooms,
  (SELECT count(*) FROM room_members) AS members, (SELECT count(*) FROM message_blocks) AS blocks,
  (SELECT coalesce(sum(end_id - first_id), 0) FROM message_blocks) AS ids`;

/** D1's counts, and how many messages the rooms' objects hold, through the admin routes. */
async function countAll(): Promise<Row> {
  let held = 0;
  for (const { id } of query("SELECT id FROM rooms")) {
    for (let after: number | null = 0; after !== null; ) {
      const answer = await fetch(`${server.url}/api/admin/rooms/${id}/messages?after=${after}`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      const page = (await answer.json()) as { messages: unknown[]; next: number | null };
      held += page.messages.length;
      after = page.next;
    }
  }
  return { ...query(COUNTS)[0], held };
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(tmpdir(), "slack-export-"));
  zip = path.join(folder, "Condor Slack export Jan 1 2020 - Mar 3 2020.zip");
  writeFileSync(zip, zipFixture());
  server = await startDevServer();
  dryRun = await importInto("--dry-run");
  counts.dryRun = await countAll();
  firstImport = await importInto();
  counts.first = await countAll();
  secondImport = await importInto();
  counts.second = await countAll();
}, 240_000);

/** The invite links the first import listed at its end, by username. */
function inviteLinks(): Map<string, string> {
  const links = [...firstImport.stdout.matchAll(/^ {2}(\S+) <[^>]+>: (http\S+\/join\/[\w-]+)$/gm)];
  return new Map(links.map(([, username, url]) => [username, url]));
}

/** Follows a person's invite link as the join page does: looks it up, then opens the account with a password. */
async function follow(username: string) {
  const code = inviteLinks().get(username)!.split("/join/")[1];
  const lookup = await fetch(`${server.url}/api/v1/invites/${code}/`);
  const accept = () =>
    fetch(`${server.url}/api/v1/invites/${code}/accept/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: "from-slack", first_name: "", last_name: "", email: "" }),
    });
  return {
    lookup: { status: lookup.status, body: (await lookup.json()) as any },
    accepted: await accept(),
    again: await accept(),
  };
}

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function api<T = any>(method: string, url: string, token?: string): Promise<{ status: number; body: T }> {
  const answer = await fetch(`${server.url}${url}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: answer.status, body: (await answer.json()) as T };
}

const tokens = new Map<string, string>();
async function signIn(username: string): Promise<string> {
  if (!tokens.has(username)) {
    const answer = await fetch(`${server.url}/api/v1/access_token/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: "from-slack" }),
    });
    expect(answer.status, `${username} signs in`).toBe(200);
    tokens.set(username, ((await answer.json()) as { access: string }).access);
  }
  return tokens.get(username)!;
}

// Read once: each query is a run of wrangler.
let userIds: Map<string, number> | undefined;
let roomIds: Map<string, number> | undefined;
const ids = () => {
  userIds ??= new Map(query("SELECT id, username FROM users").map((row) => [row.username as string, row.id as number]));
  return userIds;
};
const roomId = (title: string) => {
  roomIds ??= new Map(query("SELECT id, title FROM rooms").map((row) => [row.title as string, row.id as number]));
  return roomIds.get(title)!;
};

/** A room's main timeline and one thread, as the room's reader sees them. */
async function timeline(title: string, reader: string) {
  const { status, body } = await api("GET", `/api/v1/rooms/${roomId(title)}/messages/?limit=100`, await signIn(reader));
  expect(status).toBe(200);
  return body.messages as any[];
}

describe("import-slack on a Slack export", () => {
  it("prints in a dry run what it would create and skip, and why, writing nothing", () => {
    expect(dryRun).toMatchObject({ code: 0, stderr: "" });
    const out = dryRun.stdout;
    expect(out).toContain("Users to create: 6");
    expect(out).toContain(`Rooms to create: 7, with ${(17 + BIG).toLocaleString("en")} messages`);
    expect(out).toContain(
      "#general message 1578038700.000400: its sender bot B99GITHUB (GitHub) is not a user of the export",
    );
    expect(out).toContain("#general: 1 of Slack's channel_join notices: not messages anyone wrote");
    expect(out).toContain("#general: 1 of Slack's channel_topic notices");
    expect(out).toContain("1 reaction with :partyparrot:, the workspace's own emoji");
    expect(out).toContain("folder ghost-channel: no channel, group or DM of the export's lists has it");
    expect(out).toContain("user U04DAVE (dave): deleted in Slack: imported inactive");
    expect(out).toContain("its file 'file' is deleted in Slack: not linked");
    expect(out).toContain("Dry run: nothing was written.");
    expect(counts.dryRun).toEqual({ users: 0, rooms: 0, members: 0, blocks: 0, ids: 0, held: 0 });
  });

  it("imports every user, room and message in one command, with progress and the invite links at the end", () => {
    expect(firstImport).toMatchObject({ code: 0, stderr: "" });
    expect(firstImport.stdout).toContain("[1/7] #general: 7 messages imported.");
    expect(firstImport.stdout).toContain("  #big: 1,000 messages of 1,200…");
    expect(firstImport.stdout).toContain("[4/7] #big: 1,200 messages imported.");
    expect(firstImport.stdout).toContain("[7/7] DM D01ALICEBOB (alice, bob): 2 messages imported.");
    expect(firstImport.stdout).toContain("Imported: 6 users, 7 rooms, 1,217 messages.");
    // 3 + 3 + 1 + 2 + 2 + 3 + 2 members; a block of ids for each room with messages.
    expect(counts.first).toEqual({ users: 6, rooms: 7, members: 16, blocks: 6, ids: 17 + BIG, held: 17 + BIG });
  });

  it("adds nothing when run a second time", () => {
    expect(secondImport).toMatchObject({ code: 0, stderr: "" });
    expect(secondImport.stdout).toContain("Users to create: 0");
    expect(secondImport.stdout).toContain("Rooms to create: 0, with 0 messages");
    expect(secondImport.stdout).toContain("Here already, left as they are: 6 users, 7 rooms");
    expect(counts.second).toEqual(counts.first);
  });
});

describe("the imported people's invite links", () => {
  it("are listed at the end, one for each active person, none for the deleted user and the bots", () => {
    expect(firstImport.stdout).toContain(
      "Invite links to make, one each, listed at the end: 3 (alice, bob, carol.kent)",
    );
    const links = inviteLinks();
    expect([...links.keys()]).toEqual(["alice", "bob", "carol.kent"]);
    for (const url of links.values()) expect(url).toMatch(new RegExp(`^${server.url}/join/[\\w-]{22}$`));
    expect(secondImport.stdout).not.toContain("/join/");
  });

  it("open each person's own account, with its history, once", async () => {
    const user = ids();
    for (const username of ["alice", "bob", "carol.kent"]) {
      const { lookup, accepted, again } = await follow(username);
      expect(lookup).toMatchObject({ status: 200, body: { username, uses_left: 1 } });
      expect(accepted.status, username).toBe(201);
      expect(again.status, `${username}'s link a second time`).toBe(410);
    }
    const { body } = await api("GET", "/api/v1/profiles/me/", await signIn("carol.kent"));
    expect(body).toMatchObject({ id: user.get("carol.kent"), username: "carol.kent" });
    expect(query("SELECT count(*) AS n FROM users")[0].n).toBe(6);
  });
});

describe("the imported workspace", () => {
  it("makes public channels open rooms, private channels and group DMs closed groups, and the DM a DM", async () => {
    const rooms = query("SELECT title, is_group, is_open, dm_key FROM rooms ORDER BY id");
    const user = ids();
    expect(rooms).toEqual([
      { title: "general", is_group: 1, is_open: 1, dm_key: null },
      { title: "random", is_group: 1, is_open: 1, dm_key: null },
      { title: "old-stuff", is_group: 1, is_open: 1, dm_key: null },
      { title: "big", is_group: 1, is_open: 1, dm_key: null },
      { title: "leads", is_group: 1, is_open: 0, dm_key: null },
      { title: "alice, bob, carol.kent", is_group: 1, is_open: 0, dm_key: null },
      { title: "alice - bob", is_group: 0, is_open: 0, dm_key: `${user.get("alice")}:${user.get("bob")}` },
    ]);
    const { body } = await api("GET", `/api/v1/rooms/${roomId("leads")}/`, await signIn("alice"));
    expect(body.participants.map((p: any) => p.username).sort()).toEqual(["alice", "carol.kent"]);
    expect((await api("GET", `/api/v1/rooms/${roomId("leads")}/`, await signIn("bob"))).status).toBe(403);
  });

  it("keeps every message in order with its sender, time and edit, mentions and links translated", async () => {
    const user = ids();
    const general = await timeline("general", "carol.kent");
    expect(general.map((m) => [m.sender, m.content, m.timestamp, m.edited_at])).toEqual([
      [
        user.get("alice"),
        "Welcome @bob and @carol.kent! Read #random and [the handbook](https://example.com/handbook?a=1&b=2)",
        "2020-01-02T08:00:00.000Z",
        null,
      ],
      [user.get("bob"), "Where is the deploy doc?", "2020-01-02T08:10:00.000Z", null],
      [user.get("deploybot"), "Deploy **v1.2** finished ✅", "2020-01-02T08:16:40.000Z", null],
      [user.get("bob"), "Lunch at noon", "2020-01-03T08:00:50.000Z", "2020-01-03T08:01:40.000Z"],
      [
        user.get("carol.kent"),
        "Here's the plan\n[Q1 plan](https://files.slack.com/files-pri/T01CONDOR-F01PLAN/plan.pdf)",
        "2020-01-03T08:03:20.000Z",
        null,
      ],
    ]);
    expect(general[0].mentions.sort()).toEqual([user.get("bob"), user.get("carol.kent")].sort());
    const random = await timeline("random", "bob");
    expect(random.map((m) => [m.sender, m.content, m.deleted])).toEqual([
      [user.get("dave"), "I'm leaving soon, so long and thanks for all the fish", false],
      [user.get("bob"), "", true],
      [user.get("bob"), "_is out today_", false],
      [user.get("alice"), "<3 & see you, ~~dave~~ **Dave**", false],
    ]);
    const big = await fetch(`${server.url}/api/admin/rooms/${roomId("big")}/messages?limit=1000`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const page = (await big.json()) as { messages: { id: number; content: string }[]; next: number | null };
    expect(page.messages.map((m) => m.content)).toEqual(Array.from({ length: 1000 }, (_, i) => `message ${i}`));
    expect(page.next).toBe(page.messages[999].id);
    const dm = await timeline("alice - bob", "bob");
    expect(dm.map((m) => m.content)).toEqual(["hi bob", "hi @alice"]);
  });

  it("keeps threads, a deleted first message's too, and reactions with Slack's emoji", async () => {
    const user = ids();
    const general = await timeline("general", "alice");
    const root = general[1];
    expect(root.thread).toMatchObject({ reply_count: 2 });
    expect(general[0].reactions).toEqual([
      { emoji: "🎉", count: 2, users: [user.get("bob"), user.get("carol.kent")], mine: false },
    ]);
    const thread = await api(
      "GET",
      `/api/v1/rooms/${roomId("general")}/messages/?thread=${root.id}`,
      await signIn("alice"),
    );
    expect(thread.body.messages.map((m: any) => [m.sender, m.content, m.thread_root])).toEqual([
      [user.get("carol.kent"), "It's in https://wiki.example.com/deploy", root.id],
      [user.get("alice"), "Thanks @carol.kent", root.id],
    ]);
    expect(thread.body.messages[1].reactions).toEqual([
      { emoji: "👍🏼", count: 1, users: [user.get("bob")], mine: false },
    ]);
    const random = await timeline("random", "bob");
    expect(random[1].thread).toMatchObject({ reply_count: 1 });
    const pizza = await timeline("alice, bob, carol.kent", "bob");
    expect(pizza.map((m) => [m.content, m.reactions[0].emoji, m.reactions[0].count])).toEqual([
      ["@here pizza tonight?", "🍕", 2],
    ]);
  });

  it("imports deleted users inactive and bots without invites; nobody has a usable password", async () => {
    const rows = query("SELECT username, is_active, password FROM users WHERE username IN ('dave', 'deploybot')");
    expect(rows).toEqual([
      { username: "dave", is_active: 0, password: "!slack-import" },
      { username: "deploybot", is_active: 1, password: "!slack-import" },
    ]);
  });

  it("leaves nothing unread", async () => {
    const { body } = await api("GET", "/api/v1/rooms/", await signIn("bob"));
    expect(body.results.map((room: any) => room.unread_count)).toEqual(body.results.map(() => 0));
  });
});

describe("import-slack given a wrong export", () => {
  it("exits with code 2 without an export, and 1 for a missing file or one that is not a Slack zip", async () => {
    const none = await run(["import-slack"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("import-slack needs the export");
    const missing = await run(["import-slack", "no-such-export.zip", "--dry-run"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No such file: no-such-export.zip.");
    const notZip = path.join(folder, "not.zip");
    writeFileSync(notZip, "not a zip");
    const wrong = await run(["import-slack", notZip, "--dry-run", "--persist-to", server.persistTo]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("The export is not a zip file");
    const noUsers = path.join(folder, "no-users.zip");
    writeFileSync(noUsers, zipSync({ "channels.json": new TextEncoder().encode("[]") }));
    const noList = await run(["import-slack", noUsers, "--dry-run", "--persist-to", server.persistTo]);
    expect(noList.code).toBe(1);
    expect(noList.stderr).toContain("The zip has no users.json: it is not a Slack export.");
  });
});
