/**
 * The Slack import's decisions alone, without wrangler: Slack's text as Markdown here, its
 * emoji names, and what a plan makes of an export given what the database holds.
 */
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { emojiOf } from "../../../scripts/import-slack/emoji.ts";
import { readSlackExport } from "../../../scripts/import-slack/export.ts";
import { planSlackImport, type SlackExisting } from "../../../scripts/import-slack/plan.ts";
import { translateText } from "../../../scripts/import-slack/text.ts";

const names = {
  user: (id: string) => ({ U1: "alice", U2: "bob" })[id],
  channel: (id: string) => ({ C1: "general" })[id],
};
const EMPTY: SlackExisting = {
  users: [],
  rooms: [],
  unfinishedBlocks: [],
  nextUserId: 1,
  nextRoomId: 1,
  messageIdsHandedOut: 1,
};
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** An export of alice and bob, a channel and their DM, each with a message. */
function anExport(extra: Record<string, unknown> = {}) {
  return readSlackExport(
    zipSync({
      "users.json": json([
        { id: "U1", name: "alice", profile: { email: "alice@example.com", real_name: "Alice L" } },
        { id: "U2", name: "bob", profile: {} },
      ]),
      "channels.json": json([{ id: "C1", name: "general", created: 1577836800, creator: "U1", members: ["U1", "U2"] }]),
      "dms.json": json([{ id: "D1", created: 1577836900, members: ["U1", "U2"] }]),
      "general/2020-01-01.json": json([{ type: "message", user: "U1", text: "hello", ts: "1577836800.000100" }]),
      "D1/2020-01-01.json": json([{ type: "message", user: "U2", text: "hi", ts: "1577836900.000100" }]),
      ...Object.fromEntries(Object.entries(extra).map(([path, value]) => [path, json(value)])),
    }),
  );
}

describe("Slack's text", () => {
  it("names people and channels, makes links Markdown and decodes Slack's entities", () => {
    expect(translateText("hi <@U1> and <@U9|zed>, see <#C1|general> &amp; <#C2|random>", names)).toBe(
      "hi @alice and @zed, see #general & #random",
    );
    expect(translateText("<https://x.com/a?b=1&amp;c=2|the docs>, <https://y.org>, <mailto:a@b.c|a@b.c>", names)).toBe(
      "[the docs](https://x.com/a?b=1&c=2), https://y.org, a@b.c",
    );
    expect(translateText("<!here> <!channel> <!subteam^S1|@devs>", names)).toBe("@here @channel @devs");
  });

  it("spells Slack's *bold* and ~strike~ as Markdown and emoji by name, but not in code", () => {
    expect(translateText("*bold* _it_ ~no~ :tada: `<@U2> *x*`", names)).toBe("**bold** _it_ ~~no~~ 🎉 `@bob *x*`");
    expect(translateText("```\n*a* :tada: <https://z|z>\n```", names)).toBe("```\n*a* :tada: https://z\n```");
    expect(translateText("2 * 3 * 4", names)).toBe("2 * 3 * 4");
  });

  it("knows Slack's emoji names, with skin tones, and not a workspace's own", () => {
    expect(["+1", "thumbsup", "heart", "+1::skin-tone-6", "partyparrot"].map(emojiOf)).toEqual([
      "👍",
      "👍",
      "❤️",
      "👍🏿",
      undefined,
    ]);
  });
});

describe("a plan of a Slack import", () => {
  it("reads the lists from a folder inside the zip as well as from its root", () => {
    const nested = readSlackExport(
      zipSync({
        "Export/users.json": json([{ id: "U1", name: "alice" }]),
        "Export/general/2020-01-01.json": json([{ user: "U1", text: "x", ts: "1.000001" }]),
      }),
    );
    expect(nested.users.map((user) => user.id)).toEqual(["U1"]);
    expect(nested.folders.get("general")).toHaveLength(1);
  });

  it("takes people here by email, or by username when one has no email, and renames a namesake", () => {
    const plan = planSlackImport(anExport(), {
      ...EMPTY,
      users: [
        { id: 7, username: "Alice2", email: "ALICE@example.com" },
        { id: 8, username: "bob", email: "bob@elsewhere.example" },
      ],
      nextUserId: 9,
    });
    // alice is user 7 by her email; bob by his username, since Slack gives him no email.
    expect(plan.users).toEqual([]);
    expect(plan.alreadyHere.users).toBe(2);
    const withEmail = planSlackImport(
      readSlackExport(
        zipSync({ "users.json": json([{ id: "U3", name: "bob", profile: { email: "bob@example.com" } }]) }),
      ),
      { ...EMPTY, users: [{ id: 8, username: "bob", email: "bob@elsewhere.example" }], nextUserId: 9 },
    );
    expect(withEmail.users.map((user) => [user.id, user.username])).toEqual([[9, "bob_2"]]);
    expect(withEmail.notes[0].reason).toContain("imported as 'bob_2'");
  });

  it("leaves rooms here already alone, finishes one an import stopped in, and puts a second DM beside the pair's", () => {
    const first = planSlackImport(anExport(), EMPTY);
    expect(first.rooms.map((room) => [room.id, room.title, room.dmKey, room.messages.map((m) => m.id)])).toEqual([
      [1, "general", null, [1]],
      [2, "alice - bob", "1:2", [2]],
    ]);
    const users = [
      { id: 1, username: "alice", email: "alice@example.com" },
      { id: 2, username: "bob", email: "" },
    ];
    const again = planSlackImport(anExport(), {
      ...EMPTY,
      users,
      rooms: [
        { id: 1, title: "general", dm_key: null, created_at: "2020-01-01T00:00:00.000Z", members: 2 },
        { id: 2, title: "alice - bob", dm_key: "1:2", created_at: "2020-01-01T00:01:40.000Z", members: 0 },
      ],
      unfinishedBlocks: [{ firstId: 2, endId: 3, roomId: 2 }],
      nextUserId: 3,
      nextRoomId: 3,
      messageIdsHandedOut: 3,
    });
    expect(again.alreadyHere).toEqual({ users: 2, rooms: 1 });
    expect(again.rooms.map((room) => [room.id, room.claimed, room.messages.map((m) => m.id)])).toEqual([
      [2, true, [2]],
    ]);
    const beside = planSlackImport(anExport(), {
      ...EMPTY,
      users,
      rooms: [{ id: 5, title: "alice - bob", dm_key: "1:2", created_at: "2024-05-05T00:00:00.000Z", members: 2 }],
      nextUserId: 3,
      nextRoomId: 6,
      messageIdsHandedOut: 40,
    });
    expect(beside.rooms.map((room) => [room.id, room.isGroup, room.dmKey, room.messages.map((m) => m.id)])).toEqual([
      [6, true, null, [40]],
      [7, true, null, [41]],
    ]);
    expect(beside.notes.map((note) => note.reason)).toContain(
      "the pair has a DM here already; imported as a closed group beside it",
    );
  });

  it("keeps a reply whose thread's first message is not in the export in the timeline, and says so", () => {
    const plan = planSlackImport(
      anExport({
        "general/2020-01-02.json": [
          { user: "U2", text: "late reply", ts: "1577923200.000100", thread_ts: "1500000000.000100" },
        ],
      }),
      EMPTY,
    );
    const general = plan.rooms[0];
    expect(general.messages.map((m) => [m.content, m.threadRoot])).toEqual([
      ["hello", undefined],
      ["late reply", undefined],
    ]);
    expect(plan.notes.map((note) => note.reason)).toContain(
      "its thread's first message (1500000000.000100) is not imported; it is in the room's timeline",
    );
  });
});
