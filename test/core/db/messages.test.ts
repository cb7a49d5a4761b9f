import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../../core/db";
import {
  copyMessages,
  type HistoryQuery,
  historyRows,
  messageRoom,
  pageOf,
  reserveMessageIds,
  unreadCounts,
} from "../../../core/db/messages";
import { markRead } from "../../../core/db/reads";
import { createGroupRoom, findOrCreateDm } from "../../../core/db/rooms";
import * as schema from "../../../core/db/schema";
import { makeUser, seedMessages } from "../../support/api";
import { putD1Messages } from "../../support/d1-history";

const db = () => database(env);
/** A block as an import or the move of D1's history records it, straight into message_blocks. */
const recordBlock = (firstId: number, endId: number, roomId: number) =>
  db().insert(schema.messageBlocks).values({ firstId, endId, roomId });
/** A page of a room's history in D1 alone. */
const historyPage = async (roomId: number, page: HistoryQuery) => pageOf(await historyRows(db(), roomId, page), page);

describe("reserveMessageIds", () => {
  it("never hands out an id twice, nor one an import took", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const first = await reserveMessageIds(db(), 10, room.id);
    const second = await reserveMessageIds(db(), 5, room.id);
    expect(second).toBeGreaterThanOrEqual(first + 10);
    // An import records the block of the ids it put in, past every block: the next block starts above it.
    await recordBlock(second + 1000, second + 1001, room.id);
    expect(await reserveMessageIds(db(), 1, room.id)).toBe(second + 1001);
  });
});

describe("migration 0004", () => {
  it("puts the next block past every id D1's history holds, also ids an import put in without a block", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const high = (await reserveMessageIds(db(), 1, room.id)) + 7000;
    await putD1Messages(room.id, [{ id: high, sender: user.id, content: "imported before blocks were recorded" }]);
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0004_"))!;
    for (const query of migration.queries) await env.DB.prepare(query).run();
    expect(await reserveMessageIds(db(), 1, room.id)).toBe(high + 1);
  });
});

describe("messageRoom", () => {
  it("finds a message's room by its block before D1 has the message, and by the block an import recorded", async () => {
    const user = await makeUser();
    const [one, two] = [
      await createGroupRoom(db(), "one", user.id, []),
      await createGroupRoom(db(), "two", user.id, []),
    ];
    const ofOne = await reserveMessageIds(db(), 4, one.id);
    const ofTwo = await reserveMessageIds(db(), 4, two.id);
    expect(await messageRoom(db(), ofOne)).toBe(one.id);
    expect(await messageRoom(db(), ofOne + 3)).toBe(one.id);
    expect(await messageRoom(db(), ofTwo)).toBe(two.id);
    const imported = ofTwo + 500;
    await recordBlock(imported, imported + 1, two.id);
    expect(await messageRoom(db(), imported)).toBe(two.id);
    expect(await messageRoom(db(), imported + 1)).toBeUndefined();
  });
});

describe("copyMessages", () => {
  const taken = (first: number, senderId: number, texts: string[]) =>
    texts.map((content, i) => ({
      id: first + i,
      senderId,
      content,
      createdAt: new Date().toISOString(),
      clientId: `c${i}`,
    }));

  it("stores messages with their ids, makes the newest the room's latest, and leaves one copied twice as it is", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const messages = taken(await reserveMessageIds(db(), 3, room.id), user.id, ["one", "two", "three"]);
    await copyMessages(db(), room.id, messages.slice(0, 2));
    await db().update(schema.messages).set({ content: "two, edited" }).where(eq(schema.messages.id, messages[1].id));
    // The object stopped before it knew the first copy was done: it copies again.
    await copyMessages(db(), room.id, messages);
    const { rows } = await historyPage(room.id, { limit: 10 });
    expect(rows.map((m) => [m.id, m.content, m.clientId])).toEqual([
      [messages[0].id, "one", "c0"],
      [messages[1].id, "two, edited", "c1"],
      [messages[2].id, "three", "c2"],
    ]);
    const stored = await db().select().from(schema.rooms).where(eq(schema.rooms.id, room.id)).get();
    expect(stored?.lastMessageId).toBe(messages[2].id);
  });

  it("stores nothing for a room that has been deleted", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    await db().delete(schema.rooms).where(eq(schema.rooms.id, room.id));
    await copyMessages(db(), room.id, taken(await reserveMessageIds(db(), 1, room.id), user.id, ["too late"]));
    expect((await historyPage(room.id, { limit: 10 })).rows).toEqual([]);
  });

  it("stores any text exactly as sent, a lone surrogate as U+FFFD", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const texts = [
      '"quoted", \\back\\slashed\\',
      "line\nbreak\ttab",
      "émoji 🦅 and 中文",
      '{"json": [1]}',
      "x".repeat(4000),
      "null",
    ];
    await copyMessages(
      db(),
      room.id,
      taken(await reserveMessageIds(db(), 7, room.id), user.id, [...texts, "half \ud83e pair"]),
    );
    const { rows } = await historyPage(room.id, { limit: 10 });
    expect(rows.map((m) => m.content)).toEqual([...texts, "half \ufffd pair"]);
  });
});

describe("historyRows and pageOf", () => {
  it("pages back with before, forward with after, oldest first, saying whether more lie that way", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    await seedMessages(room.id, user.id, ["1", "2", "3", "4", "5"]);
    const latest = await historyPage(room.id, { limit: 2 });
    expect(latest.rows.map((m) => m.content)).toEqual(["4", "5"]);
    expect(latest.hasMore).toBe(true);
    const older = await historyPage(room.id, { before: latest.rows[0].id, limit: 5 });
    expect(older.rows.map((m) => m.content)).toEqual(["1", "2", "3"]);
    expect(older.hasMore).toBe(false);
    const after = await historyPage(room.id, { after: older.rows[0].id, limit: 3 });
    expect(after.rows.map((m) => m.content)).toEqual(["2", "3", "4"]);
    expect(after.hasMore).toBe(true);
  });

  it("makes one page of two reads (D1's and the room's own), each message once, the first read's copy winning", () => {
    const row = (id: number, content: string) => ({
      id,
      roomId: 1,
      senderId: 1,
      content,
      createdAt: "",
      editedAt: null,
      deletedAt: null,
      clientId: null,
    });
    const fromD1 = [row(3, "three, edited"), row(2, "two"), row(1, "one")];
    const fromRoom = [row(5, "five"), row(4, "four"), row(3, "three")];
    const latest = pageOf([...fromD1, ...fromRoom], { limit: 4 });
    expect(latest.rows.map((m) => m.content)).toEqual(["two", "three, edited", "four", "five"]);
    expect(latest.hasMore).toBe(true);
    // Each read holds only the page's range (after 3), nearest first.
    const after = pageOf([row(4, "four, edited"), row(4, "four"), row(5, "five")], { after: 3, limit: 4 });
    expect(after).toEqual({ rows: [row(4, "four, edited"), row(5, "five")], hasMore: false });
  });
});

describe("read positions and unread counts", () => {
  it("counts others' live messages after the read position, and never moves it back", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await createGroupRoom(db(), "r", other.id, [me.id]);
    await seedMessages(room.id, other.id, ["a", "b", "c"]);
    await seedMessages(room.id, me.id, ["mine"]);
    expect(await unreadCounts(db(), me.id)).toEqual({ [room.id]: 3 });
    const { rows } = await historyPage(room.id, { limit: 10 });
    expect(await markRead(db(), room.id, me.id, rows[1].id)).toBe(true);
    expect(await markRead(db(), room.id, me.id, rows[0].id)).toBe(false);
    expect(await unreadCounts(db(), me.id, room.id)).toEqual({ [room.id]: 1 });
  });
});

describe("findOrCreateDm", () => {
  it("makes one room per pair whichever side asks, titled by the first sender", async () => {
    const [a, b] = [await makeUser({ username: "alpha" }), await makeUser({ username: "beta" })];
    const rooms = await Promise.all([
      findOrCreateDm(db(), a, b),
      findOrCreateDm(db(), b, a),
      findOrCreateDm(db(), a, b),
    ]);
    expect(new Set(rooms.map((r) => r.id)).size).toBe(1);
    expect(rooms[0].title).toMatch(/^(alpha - beta|beta - alpha)$/);
    expect(rooms[0].isGroup).toBe(false);
  });
});
