import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../worker/db";
import { historyPage, insertMessages, unreadCounts } from "../../worker/db/messages";
import { markRead } from "../../worker/db/reads";
import { createGroupRoom, findOrCreateDm } from "../../worker/db/rooms";
import { rooms } from "../../worker/db/schema";
import { makeUser, seedMessages } from "../support/api";

const db = () => database(env);

describe("insertMessages", () => {
  it("stores a client id once per sender and room, answering the first message to a retry", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const [first] = await insertMessages(db(), room.id, [{ senderId: user.id, content: "hi", clientId: "c1" }]);
    const [again] = await insertMessages(db(), room.id, [{ senderId: user.id, content: "hi (retry)", clientId: "c1" }]);
    expect(first.stored).toBe(true);
    expect(again).toEqual({ row: first.row, stored: false });
    const [other] = await insertMessages(db(), room.id, [{ senderId: user.id, content: "no id" }]);
    expect(other.stored).toBe(true);
  });

  it("stores a group in the order given, a retry within the same group once, and makes the last the room's latest", async () => {
    const [alice, bob] = [await makeUser(), await makeUser()];
    const room = await createGroupRoom(db(), "r", alice.id, [bob.id]);
    const results = await insertMessages(db(), room.id, [
      { senderId: alice.id, content: "one", clientId: "a1" },
      { senderId: bob.id, content: "two", clientId: "a1" },
      { senderId: alice.id, content: "one (retry)", clientId: "a1" },
      { senderId: bob.id, content: "three" },
    ]);
    expect(results.map((r) => [r.row.content, r.stored])).toEqual([["one", true], ["two", true], ["one", false], ["three", true]]);
    expect(results[2].row).toEqual(results[0].row);
    const ids = [results[0].row.id, results[1].row.id, results[3].row.id];
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const { rows } = await historyPage(db(), room.id, { limit: 10 });
    expect(rows.map((m) => m.content)).toEqual(["one", "two", "three"]);
    const stored = await db().select().from(rooms).where(eq(rooms.id, room.id)).get();
    expect(stored?.lastMessageId).toBe(results[3].row.id);
  });

  it("stores any text exactly as sent, a lone surrogate as U+FFFD", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const texts = ['"quoted", \\back\\slashed\\', "line\nbreak\ttab", "émoji 🦅 and 中文", "{\"json\": [1]}", "x".repeat(4000), "null"];
    const results = await insertMessages(db(), room.id, [
      ...texts.map((content) => ({ senderId: user.id, content })),
      { senderId: user.id, content: "half \ud83e pair" },
    ]);
    const { rows } = await historyPage(db(), room.id, { limit: 10 });
    expect(rows.map((m) => m.content)).toEqual([...texts, "half \ufffd pair"]);
    expect(results.map((r) => r.row)).toEqual(rows);
  });
});

describe("historyPage", () => {
  it("pages back with before, forward with after, oldest first, saying whether more lie that way", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    await seedMessages(room.id, user.id, ["1", "2", "3", "4", "5"]);
    const latest = await historyPage(db(), room.id, { limit: 2 });
    expect(latest.rows.map((m) => m.content)).toEqual(["4", "5"]);
    expect(latest.hasMore).toBe(true);
    const older = await historyPage(db(), room.id, { before: latest.rows[0].id, limit: 5 });
    expect(older.rows.map((m) => m.content)).toEqual(["1", "2", "3"]);
    expect(older.hasMore).toBe(false);
    const after = await historyPage(db(), room.id, { after: older.rows[0].id, limit: 3 });
    expect(after.rows.map((m) => m.content)).toEqual(["2", "3", "4"]);
    expect(after.hasMore).toBe(true);
  });
});

describe("read positions and unread counts", () => {
  it("counts others' live messages after the read position, and never moves it back", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await createGroupRoom(db(), "r", other.id, [me.id]);
    await seedMessages(room.id, other.id, ["a", "b", "c"]);
    await seedMessages(room.id, me.id, ["mine"]);
    expect(await unreadCounts(db(), me.id)).toEqual({ [room.id]: 3 });
    const { rows } = await historyPage(db(), room.id, { limit: 10 });
    expect(await markRead(db(), room.id, me.id, rows[1].id)).toBe(true);
    expect(await markRead(db(), room.id, me.id, rows[0].id)).toBe(false);
    expect(await unreadCounts(db(), me.id, room.id)).toEqual({ [room.id]: 1 });
  });
});

describe("findOrCreateDm", () => {
  it("makes one room per pair whichever side asks, titled by the first sender", async () => {
    const [a, b] = [await makeUser({ username: "alpha" }), await makeUser({ username: "beta" })];
    const rooms = await Promise.all([findOrCreateDm(db(), a, b), findOrCreateDm(db(), b, a), findOrCreateDm(db(), a, b)]);
    expect(new Set(rooms.map((r) => r.id)).size).toBe(1);
    expect(rooms[0].title).toMatch(/^(alpha - beta|beta - alpha)$/);
    expect(rooms[0].isGroup).toBe(false);
  });
});
