import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../../core/db";
import { messageRoom, reserveMessageIds } from "../../../core/db/messages";
import { createGroupRoom, findOrCreateDm } from "../../../core/db/rooms";
import * as schema from "../../../core/db/schema";
import { makeUser } from "../../support/api";
import { putD1Messages } from "../../support/d1-history";

const db = () => database(env);
/** A block as an import or the move of D1's history records it, straight into message_blocks. */
const recordBlock = (firstId: number, endId: number, roomId: number) =>
  db().insert(schema.messageBlocks).values({ firstId, endId, roomId });

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
