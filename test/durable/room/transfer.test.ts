/**
 * Messages into a room's object and out of it, whole (durable/room/transfer.ts): what the move
 * of D1's history, an import and an export rely on. Each test has a room object of its own.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../../core/db";
import { createGroupRoom } from "../../../core/db/rooms";
import * as schema from "../../../core/db/schema";
import { roomObject } from "../../../durable/room";
import type { StoredMessage } from "../../../durable/room/transfer";
import { makeUser } from "../../support/api";

let nextRoom = 930_000;

const message = (id: number, content: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id,
  sender_id: 7,
  client_id: null,
  created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
  content,
  edited_at: null,
  deleted_at: null,
  ...extra,
});

/** Every message of a room as its store holds it. */
const everything = async (roomId: number) =>
  (await roomObject(env, { id: roomId, jurisdiction: null }).exportMessages({ after: 0, limit: 1000 })).messages;

const readsOf = (roomId: number) =>
  runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) =>
    state.storage.sql.exec("SELECT user_id, last_read_id FROM reads ORDER BY user_id").toArray(),
  );

describe("a room taking messages in", () => {
  it("stores them with their ids, and taking the same batch again changes nothing", async () => {
    const roomId = nextRoom++;
    const batch = {
      messages: [
        message(10, "first"),
        message(12, "edited", { edited_at: "2025-01-02T00:00:00.000Z", client_id: "c-12" }),
        message(11, "", { deleted_at: "2025-01-03T00:00:00.000Z" }),
      ],
      reads: [{ user_id: 7, last_read_id: 12 }],
    };
    expect(await roomObject(env, { id: roomId, jurisdiction: null }).importMessages(batch)).toEqual({ held: 3 });
    const stored = await everything(roomId);
    expect(stored).toEqual([batch.messages[0], batch.messages[2], batch.messages[1]]);
    expect(await roomObject(env, { id: roomId, jurisdiction: null }).importMessages(batch)).toEqual({ held: 3 });
    expect(await everything(roomId)).toEqual(stored);
    expect(await readsOf(roomId)).toEqual([{ user_id: 7, last_read_id: 12 }]);
  });

  it("gives a row whose text was only in D1 its text, edit and delete, and keeps a text it holds", async () => {
    const roomId = nextRoom++;
    await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
      state.storage.sql.exec(
        `INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES
          (20, 7, 'a', '2025-01-01T00:00:20.000Z', NULL),
          (21, 7, 'b', '2025-01-01T00:00:21.000Z', NULL),
          (22, 7, 'c', '2025-01-01T00:00:22.000Z', 'the room''s own')`,
      );
    });
    const result = await roomObject(env, { id: roomId, jurisdiction: null }).importMessages({
      messages: [
        message(20, "back from D1", { client_id: "a", edited_at: "2025-02-01T00:00:00.000Z" }),
        message(21, "", { client_id: "b", deleted_at: "2025-02-02T00:00:00.000Z" }),
        message(22, "D1's older copy", { client_id: "c" }),
      ],
      reads: [],
    });
    expect(result).toEqual({ held: 3 });
    const stored = await everything(roomId);
    expect(stored.map((m) => [m.id, m.content, m.edited_at, m.deleted_at])).toEqual([
      [20, "back from D1", "2025-02-01T00:00:00.000Z", null],
      [21, "", null, "2025-02-02T00:00:00.000Z"],
      [22, "the room's own", null, null],
    ]);
  });

  it("does not count a message that clashes with another's client id as held", async () => {
    const roomId = nextRoom++;
    await roomObject(env, { id: roomId, jurisdiction: null }).importMessages({
      messages: [message(30, "one", { client_id: "same" })],
      reads: [],
    });
    const result = await roomObject(env, { id: roomId, jurisdiction: null }).importMessages({
      messages: [message(31, "two", { client_id: "same" }), message(32, "three")],
      reads: [],
    });
    expect(result).toEqual({ held: 1 });
    expect((await everything(roomId)).map((m) => m.id)).toEqual([30, 32]);
  });

  it("moves read positions forward only", async () => {
    const roomId = nextRoom++;
    const room = roomObject(env, { id: roomId, jurisdiction: null });
    await room.importMessages({ messages: [], reads: [{ user_id: 1, last_read_id: 50 }] });
    await room.importMessages({
      messages: [],
      reads: [
        { user_id: 1, last_read_id: 40 },
        { user_id: 2, last_read_id: 45 },
      ],
    });
    await room.importMessages({ messages: [], reads: [{ user_id: 2, last_read_id: 60 }] });
    expect(await readsOf(roomId)).toEqual([
      { user_id: 1, last_read_id: 50 },
      { user_id: 2, last_read_id: 60 },
    ]);
  });

  it("numbers the next message past the ids it took in, also while it is running", async () => {
    const owner = await makeUser();
    const db = database(env);
    const { id: roomId } = await createGroupRoom(db, "numbering", owner.id, []);
    const room = roomObject(env, { id: roomId, jurisdiction: null });
    const before = await room.receive({ senderId: owner.id, content: "before" });
    if (!before.ok) throw new Error("not received");
    // An import takes ids past every block and records their block first, as the importer does.
    const imported = before.message.id + 5000;
    await db.insert(schema.messageBlocks).values({ firstId: imported, endId: imported + 2, roomId });
    await room.importMessages({
      messages: [
        message(imported, "imported", { sender_id: owner.id }),
        message(imported + 1, "too", { sender_id: owner.id }),
      ],
      reads: [],
    });
    const after = await room.receive({ senderId: owner.id, content: "after" });
    if (!after.ok) throw new Error("not received");
    expect(after.message.id).toBeGreaterThan(imported + 1);
    expect((await everything(roomId)).map((m) => m.id)).toEqual([
      before.message.id,
      imported,
      imported + 1,
      after.message.id,
    ]);
  });
});

describe("a message's mentions, quote, thread and reactions", () => {
  it("go out with it and come back in as they were, live and in history; its files and previews do not", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const made = await createGroupRoom(database(env), "moving", owner.id, [member.id]);
    const roomId = made.id;
    const room = roomObject(env, made);
    const root = await room.receive({ senderId: owner.id, content: `hi @${member.username}` });
    if (!root.ok) throw new Error("not received");
    const reply = await room.receive({ senderId: member.id, content: "in the thread", thread: root.message.id });
    const quote = await room.receive({ senderId: member.id, content: "quoting", replyTo: root.message.id });
    if (!reply.ok || !quote.ok) throw new Error("not received");
    for (const [user, emoji] of [
      [member.id, "👍"],
      [owner.id, "🎉"],
      [owner.id, "👍"],
    ] as const)
      expect((await room.react({ userId: user, messageId: root.message.id, emoji, add: true })).ok).toBe(true);
    const out = await everything(roomId);
    expect(out).toEqual([
      expect.objectContaining({
        id: root.message.id,
        mentions: [member.id],
        reactions: [
          { emoji: "👍", users: [member.id, owner.id] },
          { emoji: "🎉", users: [owner.id] },
        ],
      }),
      expect.objectContaining({ id: reply.message.id, thread_root: root.message.id }),
      expect.objectContaining({ id: quote.message.id, reply_to: root.message.id }),
    ]);
    expect(out[1]).not.toHaveProperty("reply_to");
    expect(out[2]).not.toHaveProperty("reactions");

    const copyId = nextRoom++;
    const copy = roomObject(env, { id: copyId, jurisdiction: null });
    for (let i = 0; i < 2; i++)
      expect(await copy.importMessages({ messages: out as StoredMessage[], reads: [] })).toEqual({ held: 3 });
    expect(await everything(copyId)).toEqual(out);
    const { rows } = await copy.history({ limit: 10 });
    expect(rows.map((row) => [row.id, row.thread?.reply_count, row.replyTo?.id])).toEqual([
      [root.message.id, 1, undefined],
      [quote.message.id, undefined, root.message.id],
    ]);
  });
});

describe("a room giving its messages out", () => {
  it("pages through them oldest first, saying where the next page starts", async () => {
    const roomId = nextRoom++;
    const room = roomObject(env, { id: roomId, jurisdiction: null });
    await room.importMessages({ messages: [1, 2, 3, 4, 5].map((id) => message(id * 10, `m${id}`)), reads: [] });
    const first = await room.exportMessages({ after: 0, limit: 2 });
    expect(first.messages.map((m) => m.id)).toEqual([10, 20]);
    expect(first.next).toBe(20);
    const second = await room.exportMessages({ after: 20, limit: 3 });
    expect(second.messages.map((m) => m.id)).toEqual([30, 40, 50]);
    expect(second.next).toBeNull();
    expect((await room.exportMessages({ after: 50, limit: 3 })).messages).toEqual([]);
  });
});
