import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomObject } from "../../../durable/room";
import { MessageStore } from "../../../durable/room/store";

let nextRoom = 920_000;

/** A fresh room's store, opened. */
async function withStore(work: (store: MessageStore) => void) {
  const roomId = nextRoom++;
  await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
    const store = new MessageStore(state.storage, { env, roomId });
    store.open();
    work(store);
  });
}

const message = (id: number, senderId = 3, clientId: string | null = null) => ({
  id,
  senderId,
  content: `m${id}`,
  createdAt: "2024-01-01T00:00:00.000Z",
  clientId,
});

describe("the room store", () => {
  it("knows a retried client id, answering the message stored the first time", async () => {
    await withStore((store) => {
      expect(store.insert(message(1, 3, "x"))).toBe(true);
      expect(store.insert(message(2, 3, "x"))).toBe(false);
      expect(store.byClientId(3, "x")).toMatchObject({ id: 1, content: "m1", clientId: "x" });
      expect(store.latestId()).toBe(1);
    });
  });

  it("pages back with before, forward with after, oldest first, saying whether more lie that way", async () => {
    await withStore((store) => {
      for (const id of [1, 2, 3, 4, 5]) store.insert(message(id));
      const latest = store.page({ limit: 2 });
      expect(latest.rows.map((row) => row.id)).toEqual([4, 5]);
      expect(latest.hasMore).toBe(true);
      const older = store.page({ before: 4, limit: 5 });
      expect(older.rows.map((row) => row.id)).toEqual([1, 2, 3]);
      expect(older.hasMore).toBe(false);
      const after = store.page({ after: 1, limit: 3 });
      expect(after.rows.map((row) => row.id)).toEqual([2, 3, 4]);
      expect(after.hasMore).toBe(true);
    });
  });

  it("keeps an edit's new text and time, and a delete's blank text and time", async () => {
    await withStore((store) => {
      store.insert(message(1));
      store.insert(message(2));
      store.rewrite(1, { content: "edited", editedAt: "2024-01-02T00:00:00.000Z" });
      store.rewrite(2, { content: "", deletedAt: "2024-01-03T00:00:00.000Z" });
      expect(store.page({ limit: 5 }).rows).toMatchObject([
        { id: 1, content: "edited", editedAt: "2024-01-02T00:00:00.000Z", deletedAt: null },
        { id: 2, content: "", deletedAt: "2024-01-03T00:00:00.000Z" },
      ]);
    });
  });

  it("counts others' live messages after a read position, which never moves back", async () => {
    await withStore((store) => {
      const [me, other] = [1, 2];
      for (const id of [1, 2, 3]) store.insert(message(id, other));
      store.insert(message(4, me));
      store.insert(message(5, other));
      expect(store.unreadFor(me)).toBe(4);
      expect(store.markRead(me, 2)).toBe(true);
      expect(store.markRead(me, 1)).toBe(false);
      expect(store.readPositions()).toEqual({ [me]: 2 });
      store.rewrite(5, { content: "", deletedAt: "2024-01-03T00:00:00.000Z" });
      expect(store.unreadFor(me)).toBe(1);
      store.forgetReads(me);
      expect(store.readPosition(me)).toBe(0);
    });
  });
});
