/**
 * The import's decisions, without a database: Django records and what the database holds
 * go in, rows to create and reasons for what is left out come out.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type DjangoRecord,
  type Existing,
  type MediaReader,
  planImport,
  readDump,
  roomStatements,
  userStatements,
} from "../../../scripts/import-condor/plan.ts";

const FIXTURE = path.resolve(import.meta.dirname, "../../fixtures/condor-django");
const fixture = readDump(readFileSync(path.join(FIXTURE, "dumpdata.json"), "utf8"));
const fixtureMedia: MediaReader = (relativePath) => {
  try {
    return new Uint8Array(readFileSync(path.join(FIXTURE, "media", relativePath)));
  } catch {
    return undefined;
  }
};
const EMPTY: Existing = { users: [], rooms: [], messageIds: [], messageIdsHandedOut: 1 };
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

const HASH = "pbkdf2_sha256$260000$salt$hash";
const user = (pk: number, username: string, fields: Record<string, unknown> = {}): DjangoRecord => ({
  model: "auth.user",
  pk,
  fields: {
    username,
    password: HASH,
    email: `${username}@example.com`,
    is_active: true,
    date_joined: "2020-01-01T00:00:00Z",
    ...fields,
  },
});
const message = (pk: unknown, sender: number, content: string, timestamp = "2020-01-02T00:00:00Z"): DjangoRecord => ({
  model: "chat.message",
  pk,
  fields: { sender, content, timestamp },
});
const room = (
  pk: number,
  participants: number[],
  messages: number[] = [],
  fields: Record<string, unknown> = {},
): DjangoRecord => ({
  model: "chat.room",
  pk,
  fields: { title: `room ${pk}`, timestamp: "2020-01-01T12:00:00Z", is_goup: true, participants, messages, ...fields },
});
const profile = (pk: number, avatar: string): DjangoRecord => ({
  model: "chat.userprofile",
  pk,
  fields: { user: pk, avatar },
});
const reasons = (remarks: { record: string; reason: string }[]) => remarks.map((r) => `${r.record}: ${r.reason}`);

describe("planning the fixture", () => {
  const plan = planImport(fixture, EMPTY, fixtureMedia);

  it("creates every user with their id, names, flags and Django hash as exported", () => {
    expect(plan.users.map((u) => [u.id, u.username, u.isSuperuser, u.isActive])).toEqual([
      [1, "fcarreno", true, true],
      [2, "palmibb", false, true],
      [3, "palmieri", false, true],
      [4, "fabra", false, true],
      [5, "saitama", false, true],
      [6, "retired", false, false],
      [7, "nopass", false, true],
    ]);
    expect(plan.users[2]).toMatchObject({
      lastName: "",
      email: "palmieri@example.com",
      password: expect.stringMatching(/^pbkdf2_sha256\$150000\$/),
    });
    expect(plan.users[3].email).toBe("");
    expect(plan.mustReset).toEqual([]);
  });

  it("keeps the default avatar for Django's copies of it and uploads own avatars under keys named by their bytes", () => {
    const avatars = Object.fromEntries(
      plan.users.map((u) => [u.username, u.avatar && { key: u.avatar.key, type: u.avatar.type }]),
    );
    expect(avatars.fcarreno).toBeUndefined();
    expect(avatars.palmieri).toBeUndefined();
    expect(avatars.palmibb).toEqual({
      key: expect.stringMatching(/^avatar_files\/palmibb_[0-9a-f]{8}\.png$/),
      type: "image/png",
    });
    expect(avatars.saitama).toEqual({
      key: expect.stringMatching(/^avatar_files\/saitama_[0-9a-f]{8}\.jpeg$/),
      type: "image/jpeg",
    });
    expect(planImport(fixture, EMPTY, fixtureMedia).users[1].avatar?.key).toBe(avatars.palmibb!.key);
  });

  it("makes the non-group rooms of two their pair's DM, and the groups groups owned by their first sender", () => {
    expect(plan.rooms.map((r) => [r.id, r.isGroup, r.dmKey, r.createdBy])).toEqual([
      [1, false, "1:3", 1],
      [2, false, "1:2", 2],
      [3, true, null, 1],
      [4, true, null, 1],
    ]);
    expect(plan.rooms[0].members).toEqual([
      { userId: 1, role: "member" },
      { userId: 3, role: "member" },
    ]);
    expect(plan.rooms[2].members.map((m) => m.role)).toEqual(["owner", "member", "member", "member"]);
  });

  it("keeps messages in id order with their content as given, and skips the empty one, saying why", () => {
    expect(plan.rooms.map((r) => r.messages.map((m) => m.id))).toEqual([[1, 2, 3], [4], [5, 6, 7], []]);
    expect(plan.rooms[1].messages[0].content).toBe("<b>bold?</b> & <script>alert(1)</script>");
    expect(plan.rooms[0].messages[2].content).toBe("hola Frank, ¿qué tal? 👋");
    expect(reasons(plan.skipped)).toEqual([
      "chat.message 8: empty: the API refuses empty messages and there is nothing to show",
    ]);
  });

  it("says which accounts cannot sign in, as in the original", () => {
    expect(reasons(plan.notes)).toEqual([
      "auth.user 6: retired is inactive and cannot sign in, as in the original",
      "auth.user 7: nopass has no usable password and cannot sign in, as in the original",
    ]);
  });

  it("creates nothing when everything is there already", () => {
    const again = planImport(
      fixture,
      {
        users: plan.users.map((u) => ({ id: u.id, username: u.username.toUpperCase(), email: u.email })),
        rooms: plan.rooms.map((r) => ({ id: r.id, title: r.title, dm_key: r.dmKey })),
        messageIds: [1, 2, 3, 4, 5, 6, 7],
        messageIdsHandedOut: 8,
      },
      fixtureMedia,
    );
    expect(again).toMatchObject({ users: [], rooms: [], alreadyImported: { users: 7, rooms: 4 } });
    expect(reasons(again.skipped)).toEqual([]);
  });
});

describe("planning odd exports", () => {
  it("names the accounts whose hasher cannot be checked here, so an admin resets them", () => {
    const plan = planImport(
      [
        user(1, "argo", { password: "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA" }),
        user(2, "bee", { password: "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuv" }),
        user(3, "md", { password: "md5$salt$0123456789abcdef0123456789abcdef" }),
        user(4, "ok"),
        user(5, "huge", { password: "pbkdf2_sha256$50000000$salt$hash" }),
      ],
      EMPTY,
    );
    expect(plan.users).toHaveLength(5);
    expect(plan.mustReset).toEqual([
      { username: "argo", hasher: "argon2" },
      { username: "bee", hasher: "bcrypt_sha256" },
      { username: "md", hasher: "md5" },
      { username: "huge", hasher: "pbkdf2_sha256 above 1200000 iterations" },
    ]);
  });

  it("skips users whose id or username someone else has here, and drops a taken email", () => {
    const plan = planImport(
      [user(1, "alice"), user(2, "Bob"), user(3, "carol", { email: "BOB@example.com" }), user(4, "bob")],
      {
        users: [
          { id: 1, username: "mallory", email: "" },
          { id: 9, username: "bob", email: "bob@example.com" },
        ],
        rooms: [],
        messageIds: [],
        messageIdsHandedOut: 1,
      },
    );
    expect(plan.users.map((u) => [u.id, u.email])).toEqual([[3, ""]]);
    expect(reasons(plan.skipped)).toEqual([
      "auth.user 1: id 1 belongs to another user here ('mallory')",
      "auth.user 2: the username 'Bob' is taken here by user 9 (usernames are unique whatever their case)",
      "auth.user 4: the username 'bob' is taken here by user 9 (usernames are unique whatever their case)",
    ]);
    expect(reasons(plan.notes)).toEqual([
      "auth.user 3: the email 'BOB@example.com' is user 9's too; carol is imported without an email",
    ]);
  });

  it("reports unreadable and foreign records by name and reason, and imports the rest", () => {
    const plan = planImport(
      [
        user(1, "ann"),
        user(2, "ben", { date_joined: "yesterday" }),
        { model: "auth.user", pk: "x", fields: { username: "cy" } },
        { model: "auth.group", pk: 1, fields: { name: "staff" } },
        message(1, 1, "hi"),
        message(2, 1, 42 as unknown as string),
        room(1, [1], [1, 2]),
      ],
      EMPTY,
    );
    expect(plan.users.map((u) => u.username)).toEqual(["ann"]);
    expect(plan.rooms[0].messages.map((m) => m.id)).toEqual([1]);
    expect(reasons(plan.skipped)).toEqual([
      "auth.user 2: unreadable (date_joined: 'yesterday' is not a date and time)",
      'auth.user "x": unreadable (pk: not a positive integer)',
      "auth.group 1: not part of condor_chat's data",
      "chat.message 2: unreadable (content: Invalid input: expected string, received number)",
    ]);
    expect(reasons(plan.notes)).toEqual(["chat.room 1: message 2 is not in the export (or unreadable)"]);
  });

  it("keeps a message linked to two rooms in the first, and skips messages of no room, unknown senders and past the length limit", () => {
    const plan = planImport(
      [
        user(1, "ann"),
        user(2, "ben"),
        message(1, 1, "shared"),
        message(2, 1, "lonely"),
        message(3, 99, "ghost"),
        message(4, 2, "x".repeat(4001)),
        message(5, 2, "x".repeat(4000)),
        room(1, [1, 2], [1, 3, 4, 5]),
        room(2, [1, 2], [1]),
      ],
      EMPTY,
    );
    expect(plan.rooms.map((r) => r.messages.map((m) => m.id))).toEqual([[1, 5], []]);
    expect(reasons(plan.skipped)).toEqual([
      "chat.message 3: its sender 99 is not imported",
      "chat.message 4: its content must be at most 4000 characters",
      "chat.message 2: it is in no room",
    ]);
    expect(reasons(plan.notes)).toContain(
      "chat.message 1: is in room 1 and room 2; a message lives in one room here, so it stays in room 1",
    );
  });

  it("imports a pair's second DM and a non-group room of three as groups, saying so", () => {
    const plan = planImport(
      [
        user(1, "ann"),
        user(2, "ben"),
        user(3, "cy"),
        room(1, [1, 2], [], { is_goup: false, title: "ann - ben" }),
        room(2, [2, 1], [], { is_goup: false, title: "ben - ann" }),
        room(3, [1, 2, 3], [], { is_goup: false }),
      ],
      EMPTY,
    );
    expect(plan.rooms.map((r) => [r.id, r.isGroup, r.dmKey])).toEqual([
      [1, false, "1:2"],
      [2, true, null],
      [3, true, null],
    ]);
    expect(reasons(plan.notes)).toEqual([
      "chat.room 2: a second DM of users 1 and 2; imported as a group so its messages are kept",
      "chat.room 3: not a group, but of 3 people, not two; imported as a group",
    ]);
  });

  it("skips messages whose ids this database has handed to its rooms, which may not have stored them yet", () => {
    const plan = planImport(
      [user(1, "ann"), message(3, 1, "taken id"), message(5, 1, "free id"), room(1, [1], [3, 5])],
      { ...EMPTY, messageIdsHandedOut: 5 },
    );
    expect(plan.rooms[0].messages.map((m) => m.id)).toEqual([5]);
    expect(reasons(plan.skipped)).toEqual([
      "chat.message 3: id 3 may belong to a message here (ids up to 4 have been handed to rooms)",
    ]);
  });

  it("skips rooms whose id another room has here, and rooms nobody imported could read", () => {
    const plan = planImport([user(1, "ann"), message(1, 1, "hi"), room(1, [1], [1]), room(2, [7, 8], [])], {
      users: [],
      rooms: [{ id: 1, title: "someone else's", dm_key: null }],
      messageIds: [],
      messageIdsHandedOut: 1,
    });
    expect(plan.rooms).toEqual([]);
    expect(reasons(plan.skipped)).toEqual([
      "chat.room 1: id 1 belongs to another room here ('someone else's'); its 1 messages are not imported",
      "chat.room 2: no participant of it is imported, so nobody could read it; its 0 messages are not imported",
    ]);
  });

  it("keeps the default avatar, saying why, for a missing file, a non-image, a path outside the media folder, or no media", () => {
    const files: Record<string, Uint8Array> = {
      "avatar_files/page.png": new TextEncoder().encode("<svg onload=alert(1)>"),
      "avatar_files/ok.png": PNG,
    };
    const media: MediaReader = (relativePath) => files[relativePath];
    const records = [
      user(1, "ann"),
      profile(1, "avatar_files/gone.png"),
      user(2, "ben"),
      profile(2, "avatar_files/page.png"),
      user(3, "cy"),
      profile(3, "../../etc/passwd"),
      user(4, "di"),
      profile(4, "avatar_files/ok.png"),
    ];
    const plan = planImport(records, EMPTY, media);
    expect(plan.users.map((u) => u.avatar?.type)).toEqual([undefined, undefined, undefined, "image/png"]);
    expect(reasons(plan.notes)).toEqual([
      "chat.userprofile 1: avatar 'avatar_files/gone.png' is not in the media folder; ann keeps the default avatar",
      "chat.userprofile 2: avatar 'avatar_files/page.png' is not a JPEG, PNG, GIF or WebP image; ben keeps the default avatar",
      "chat.userprofile 3: avatar '../../etc/passwd' is outside the media folder; cy keeps the default avatar",
    ]);
    expect(reasons(planImport(records.slice(6), EMPTY).notes)).toEqual([
      "chat.userprofile 4: avatar 'avatar_files/ok.png' not imported: no --media folder given; di keeps the default avatar",
    ]);
  });

  it("refuses a file that is not a list of Django records", () => {
    expect(() => readDump("{nope")).toThrow(/not JSON/);
    expect(() => readDump('{"model": "auth.user"}')).toThrow(/not a list of Django records/);
  });
});

describe("the SQL of a plan", () => {
  const plan = planImport(fixture, EMPTY, fixtureMedia);

  it("carries every text as hex, so no content reaches the SQL parser", () => {
    const sql = [...userStatements(plan.users), ...plan.rooms.flatMap(roomStatements)].join(";\n");
    expect(sql).not.toContain("<script>");
    expect(sql).not.toContain("fcarreno");
    expect(sql).toContain(
      `CAST(X'${Buffer.from("<b>bold?</b> & <script>alert(1)</script>").toString("hex")}' AS TEXT)`,
    );
  });

  it("marks each member as having read up to the room's last imported message", () => {
    const [roomRow, members, ...messages] = roomStatements(plan.rooms[2]);
    expect(roomRow).toMatch(/^INSERT INTO rooms .* VALUES \(3, .*, 1, NULL, 1, .*, 7, .*\)$/);
    expect(members.match(/\(3, \d, CAST\(X'[0-9a-f]+' AS TEXT\), CAST\(X'[0-9a-f]+' AS TEXT\), 7\)/g)).toHaveLength(4);
    expect(messages).toHaveLength(1);
    expect(messages[0].match(/\((5|6|7), 3, \d, CAST/g)).toHaveLength(3);
  });

  it("splits a room's messages into statements under D1's 100 KB limit, keeping every one", () => {
    const long = planImport(
      [
        user(1, "ann"),
        ...Array.from({ length: 30 }, (_, i) => message(i + 1, 1, "é🦅".repeat(1333))),
        room(
          1,
          [1],
          Array.from({ length: 30 }, (_, i) => i + 1),
        ),
      ],
      EMPTY,
    );
    const [, , ...messages] = roomStatements(long.rooms[0]);
    expect(messages.length).toBeGreaterThan(1);
    for (const statement of messages) expect(Buffer.byteLength(statement)).toBeLessThan(100_000);
    expect(messages.join(" ").match(/\(\d+, 1, 1, CAST/g)).toHaveLength(30);
  });
});
