import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WireMessage } from "../../../core/protocol";
import { roomObject } from "../../../durable/room";
import { type PostInput, type Received, Sequencer } from "../../../durable/room/sequencer";
import { MessageStore } from "../../../durable/room/store";
import { Uploads } from "../../../durable/room/uploads";

let nextRoom = 930_000;

/** A sequencer over a fresh room's own store, with D1 for its ids. */
async function withSequencer(
  work: (parts: {
    sequencer: { receive: (input: PostInput) => Promise<Received> };
    store: MessageStore;
    groups: WireMessage[][];
  }) => Promise<void>,
) {
  const roomId = nextRoom++;
  await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), async (_room, state) => {
    const store = new MessageStore(state.storage, { env, roomId });
    store.open();
    const groups: WireMessage[][] = [];
    const uploads = new Uploads(state.storage, { env, roomId });
    const sequencer = new Sequencer({ env, roomId }, store, (messages) => groups.push(messages), uploads);
    sequencer.open();
    // These sends carry no files, so none is refused.
    const receive = async (input: PostInput) => (await sequencer.receive(input)) as Received;
    await work({ sequencer: { receive }, store, groups });
  });
}

describe("the sequencer", () => {
  it("numbers messages in the order received, with rising ids from its block", async () => {
    await withSequencer(async ({ sequencer, store, groups }) => {
      const received = await Promise.all(
        ["one", "two", "three"].map((content) => sequencer.receive({ senderId: 1, content })),
      );
      const ids = received.map((r) => r.message.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(3);
      expect(received.map((r) => r.message.content)).toEqual(["one", "two", "three"]);
      // Messages that arrived together are broadcast together, in the same order.
      expect(groups.flat().map((m) => m.id)).toEqual(ids);
      expect(store.latestId()).toBe(ids[2]);
    });
  });

  it("commits a retried client id once, answering the first message and broadcasting nothing more", async () => {
    await withSequencer(async ({ sequencer, groups }) => {
      const first = await sequencer.receive({ senderId: 1, content: "once", clientId: "c-1" });
      const again = await sequencer.receive({ senderId: 1, content: "twice?", clientId: "c-1" });
      expect(first.isRetry).toBe(false);
      expect(again).toEqual({ message: first.message, isRetry: true });
      expect(first.message.client_id).toBe("c-1");
      expect(groups.flat()).toHaveLength(1);
    });
  });

  it("commits a busy room's messages from many senders together, and a two-person exchange's each at once", async () => {
    await withSequencer(async ({ sequencer, groups }) => {
      const sendTogether = (senders: number[]) =>
        Promise.all(senders.map((senderId) => sequencer.receive({ senderId, content: `from ${senderId}` })));
      for (const senderId of [1, 2, 3, 4, 5, 6, 7, 8]) await sequencer.receive({ senderId, content: "warm" });
      await sendTogether([1, 2, 3, 4]);
      // The first may find the room quiet and go alone; the others wait a turn and go as one.
      expect(groups.at(-1)!.length).toBeGreaterThan(1);

      for (const senderId of [1, 2, 1, 2, 1, 2, 1, 2]) await sequencer.receive({ senderId, content: "warm" });
      const before = groups.length;
      await sendTogether([1, 2, 1]);
      expect(groups.slice(before).map((group) => group.length)).toEqual([1, 1, 1]);
    });
  });

  it("stores any text exactly as sent, a lone surrogate as U+FFFD", async () => {
    await withSequencer(async ({ sequencer, store }) => {
      const texts = [
        '"quoted", \\back\\slashed\\',
        "line\nbreak\ttab",
        "émoji 🦅 and 中文",
        '{"json": [1]}',
        "x".repeat(4000),
        "null",
      ];
      for (const content of [...texts, "half \ud83e pair"]) await sequencer.receive({ senderId: 1, content });
      expect(store.page({ limit: 10 }).rows.map((row) => row.content)).toEqual([...texts, "half \ufffd pair"]);
    });
  });
});
