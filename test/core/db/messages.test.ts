import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../../core/db";
import { messageRoom, reserveMessageIds } from "../../../core/db/messages";
import { createGroupRoom, findOrCreateDm } from "../../../core/db/rooms";
import { makeUser } from "../../support/api";

const db = () => database(env);
/** A message put in D1 straight, as the original's importer did before rooms kept their history. */
const putInStraight = (roomId: number, senderId: number, id: number) =>
  db()
    .$client.prepare(
      "INSERT INTO messages (id, room_id, sender_id, content, created_at) VALUES (?, ?, ?, 'imported', '2020-01-01T00:00:00.000Z')",
    )
    .bind(id, roomId, senderId)
    .run();

describe("reserveMessageIds", () => {
  it("never hands out an id twice, nor one already stored", async () => {
    const user = await makeUser();
    const room = await createGroupRoom(db(), "r", user.id, []);
    const first = await reserveMessageIds(db(), 10, room.id);
    const second = await reserveMessageIds(db(), 5, room.id);
    expect(second).toBeGreaterThanOrEqual(first + 10);
    // A writer that put an id in straight, past every block (an import): the next block starts above it.
    await putInStraight(room.id, user.id, second + 1000);
    expect(await reserveMessageIds(db(), 1, room.id)).toBe(second + 1001);
  });
});

describe("messageRoom", () => {
  it("finds a message's room by its block, and by its row for one put in straight", async () => {
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
    await putInStraight(two.id, user.id, imported);
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
