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
  memberStatements,
  messageBlocks,
  planImport,
  readDump,
  roomImports,
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
const EMPTY: Existing = { users: [], rooms: [], messageIdsHandedOut: 1, messageBlocks: [] };
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
        rooms: plan.rooms.map((r) => ({ id: r.id, title: r.title, dm_key: r.dmKey, members: r.members.length })),
        messageIdsHandedOut: 8,
        messageBlocks: [{ firstId: 1, endId: 8, roomId: 1 }],
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
        messageIdsHandedOut: 1,
        messageBlocks: [],
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
      rooms: [{ id: 1, title: "someone else's", dm_key: null, members: 2 }],
      messageIdsHandedOut: 1,
      messageBlocks: [],
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

describe("planning a room an import stopped in, or a room exported here", () => {
  it("finishes a room an earlier run claimed without members, taking the ids it recorded for it", () => {
    const records = [user(1, "ann"), message(3, 1, "mine"), message(4, 1, "someone's"), room(1, [1], [3, 4])];
    const plan = planImport(records, {
      ...EMPTY,
      users: [{ id: 1, username: "ann", email: "ann@example.com" }],
      rooms: [{ id: 1, title: "room 1", dm_key: null, members: 0 }],
      messageIdsHandedOut: 10,
      messageBlocks: [
        { firstId: 3, endId: 4, roomId: 1 },
        { firstId: 4, endId: 10, roomId: 2 },
      ],
    });
    expect(plan.rooms.map((r) => [r.id, r.claimed, r.messages.map((m) => m.id)])).toEqual([[1, true, [3]]]);
    expect(plan.alreadyImported.rooms).toBe(0);
    expect(reasons(plan.notes)).toEqual(["chat.room 1: an earlier import stopped before finishing it; finished now"]);
    expect(reasons(plan.skipped)).toEqual([
      "chat.message 4: id 4 may belong to a message here (ids up to 9 have been handed to rooms)",
    ]);
    expect(roomStatements(plan.rooms[0])).toEqual([]);
  });

  it("keeps a DM's claim its own: the pair's key is not someone else's DM", () => {
    const records = [user(1, "ann"), user(2, "ben"), room(5, [1, 2], [], { is_goup: false, title: "ann - ben" })];
    const plan = planImport(records, {
      ...EMPTY,
      users: [
        { id: 1, username: "ann", email: "" },
        { id: 2, username: "ben", email: "" },
      ],
      rooms: [{ id: 5, title: "ann - ben", dm_key: "1:2", members: 0 }],
    });
    expect(plan.rooms.map((r) => [r.id, r.isGroup, r.dmKey, r.claimed])).toEqual([[5, false, "1:2", true]]);
  });

  it("keeps the owner an export names, and a message's edit time", () => {
    const edited = {
      ...message(1, 1, "changed"),
      fields: {
        sender: 1,
        content: "changed",
        timestamp: "2020-01-02T00:00:00Z",
        edited_at: "2020-01-03T00:00:00+01:00",
      },
    };
    const plan = planImport([user(1, "ann"), user(2, "ben"), edited, room(1, [1, 2], [1], { owner: 2 })], EMPTY);
    expect(plan.rooms[0].members).toEqual([
      { userId: 1, role: "member" },
      { userId: 2, role: "owner" },
    ]);
    expect(plan.rooms[0].messages[0].editedAt).toBe("2020-01-02T23:00:00.000Z");
  });
});

describe("a room exported here", () => {
  it("brings its messages' mentions, quotes, threads and reactions of what is imported with it, and drops the rest", () => {
    const named = (pk: number, sender: number, fields: Record<string, unknown>): DjangoRecord => {
      const plain = message(pk, sender, `m${pk}`);
      return { ...plain, fields: { ...plain.fields, ...fields } };
    };
    const plan = planImport(
      [
        user(1, "ann"),
        user(2, "ben"),
        named(1, 1, {
          mentions: [2, 9, 1],
          reactions: [
            { emoji: "👍", users: [2, 9, 2] },
            { emoji: "no", users: [1] },
          ],
        }),
        named(2, 2, { thread: 1, reply_to: 1 }),
        named(3, 2, { thread: 2, reply_to: 99 }),
        named(4, 1, { reactions: [{ emoji: "🎉", users: [9] }] }),
        room(1, [1, 2], [1, 2, 3, 4]),
      ],
      EMPTY,
    );
    const [{ messages }] = roomImports(plan.rooms[0]);
    expect(messages).toEqual([
      expect.objectContaining({ id: 1, mentions: [2], reactions: [{ emoji: "👍", users: [2] }] }),
      expect.objectContaining({ id: 2, thread_root: 1, reply_to: 1 }),
      expect.objectContaining({ id: 3 }),
      expect.objectContaining({ id: 4 }),
    ]);
    for (const key of ["thread_root", "reply_to", "mentions", "reactions"]) {
      expect(messages[2]).not.toHaveProperty(key);
      expect(messages[3]).not.toHaveProperty(key);
    }
  });
});

describe("the writes of a plan", () => {
  const plan = planImport(fixture, EMPTY, fixtureMedia);

  it("carries every text of D1's part as hex, so no name or title reaches the SQL parser", () => {
    const sql = [
      ...userStatements(plan.users),
      ...plan.rooms.flatMap((r) => [...roomStatements(r), ...memberStatements(r)]),
    ].join(";\n");
    expect(sql).not.toContain("fcarreno");
    expect(sql).not.toContain("new test room chat");
    expect(sql).toContain(`CAST(X'${Buffer.from("new test room chat").toString("hex")}' AS TEXT)`);
  });

  it("puts a room in D1 without members first, then its members, and its messages into its object as written", () => {
    const [roomRow] = roomStatements(plan.rooms[2]);
    expect(roomRow).toMatch(
      /^INSERT INTO rooms \(id, title, is_group, dm_key, created_by, created_at\) VALUES \(3, .*, 1, NULL, 1, .*\)$/,
    );
    const [members] = memberStatements(plan.rooms[2]);
    expect(members.match(/\(3, \d, CAST\(X'[0-9a-f]+' AS TEXT\), CAST\(X'[0-9a-f]+' AS TEXT\)\)/g)).toHaveLength(4);
    const [messages, reads] = roomImports(plan.rooms[2]);
    expect(messages.messages.map((m) => [m.id, m.sender_id, m.content])).toEqual([
      [5, 1, "new message for new room"],
      [6, 5, "OK."],
      [7, 2, "line one\nline two"],
    ]);
    expect(roomImports(plan.rooms[1])[0].messages[0].content).toBe("<b>bold?</b> & <script>alert(1)</script>");
    expect(roomImports(plan.rooms[3])).toEqual([]);
    // Imported history counts as read.
    expect(reads).toEqual({
      messages: [],
      reads: [1, 2, 3, 5].map((user_id) => ({ user_id, last_read_id: 7 })),
    });
  });

  it("splits a room's messages into requests under the admin routes' limits, keeping every one", () => {
    const ids = Array.from({ length: 1500 }, (_, i) => i + 1);
    const long = planImport(
      [user(1, "ann"), ...ids.map((id) => message(id, 1, id <= 300 ? "é🦅".repeat(1333) : "short")), room(1, [1], ids)],
      EMPTY,
    );
    const requests = roomImports(long.rooms[0]);
    const withMessages = requests.filter((request) => request.messages.length > 0);
    expect(withMessages.length).toBeGreaterThan(3);
    for (const request of requests) {
      expect(Buffer.byteLength(JSON.stringify(request))).toBeLessThan(1024 * 1024 + 1024);
      expect(request.messages.length + request.reads.length).toBeLessThanOrEqual(1000);
    }
    expect(withMessages.flatMap((request) => request.messages.map((m) => m.id))).toEqual(ids);
  });

  it("records one block per run of a room's ids, runs skipping only ids nobody here has", () => {
    const rooms = planImport(
      [
        user(1, "ann"),
        ...[10, 11, 12, 20, 21, 30, 40, 42].map((id) => message(id, 1, `m${id}`)),
        room(1, [1], [10, 11, 20, 40, 42]),
        room(2, [1], [12, 21, 30]),
      ],
      { ...EMPTY, messageIdsHandedOut: 15 },
    ).rooms;
    // Ids below 15 are taken only as an earlier run recorded them, and none was: 10 to 12 are skipped.
    expect(rooms.map((r) => r.messages.map((m) => m.id))).toEqual([
      [20, 40, 42],
      [21, 30],
    ]);
    expect(messageBlocks(rooms, 15)).toEqual([
      { firstId: 20, endId: 21, roomId: 1 },
      { firstId: 21, endId: 31, roomId: 2 },
      { firstId: 40, endId: 43, roomId: 1 },
    ]);
    const own = planImport(
      [user(1, "ann"), ...[3, 5, 7].map((id) => message(id, 1, `m${id}`)), room(1, [1], [3, 5, 7])],
      { ...EMPTY, messageIdsHandedOut: 6, messageBlocks: [{ firstId: 3, endId: 6, roomId: 1 }] },
    ).rooms;
    // 3 and 5 were recorded for this room below the mark: a run goes on there through neighbours only.
    expect(messageBlocks(own, 6)).toEqual([
      { firstId: 3, endId: 4, roomId: 1 },
      { firstId: 5, endId: 8, roomId: 1 },
    ]);
  });
});
