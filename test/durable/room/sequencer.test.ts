import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WireMessage } from "../../../core/protocol";
import { roomObject } from "../../../durable/room";
import type { History } from "../../../durable/room/history";
import { Sequencer } from "../../../durable/room/sequencer";
import { MessageStore } from "../../../durable/room/store";

let nextRoom = 920_000;

/** A sequencer over a fresh room's own store, with D1 for its ids and a stand-in copy. */
async function withSequencer(
  work: (parts: {
    sequencer: Sequencer;
    groups: WireMessage[][];
    copy: { isBacklogged: boolean; count: number };
  }) => Promise<void>,
) {
  const roomId = nextRoom++;
  await runInDurableObject(roomObject(env, roomId), async (_room, state) => {
    const { sql } = state.storage;
    for (const table of ["messages", "id_block", "schema_version"]) sql.exec(`DROP TABLE IF EXISTS ${table}`);
    const store = new MessageStore(state.storage, { env, roomId });
    store.open();
    const groups: WireMessage[][] = [];
    const copy = { isBacklogged: false, count: 0, committed: () => void copy.count++ };
    const history = {
      byClientId: async (senderId: number, clientId: string | null) => store.byClientId(senderId, clientId).row!,
    } as unknown as History;
    const sequencer = new Sequencer({ env, roomId }, store, history, copy, (messages) => groups.push(messages));
    sequencer.open();
    await work({ sequencer, groups, copy });
  });
}

describe("the sequencer", () => {
  it("numbers messages in the order received, with rising ids from its block", async () => {
    await withSequencer(async ({ sequencer, groups, copy }) => {
      const received = await Promise.all(
        ["one", "two", "three"].map((content) => sequencer.receive({ senderId: 1, content })),
      );
      const ids = received.map((r) => r.message.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(3);
      expect(received.map((r) => r.message.content)).toEqual(["one", "two", "three"]);
      // Messages that arrived together are broadcast together, in the same order.
      expect(groups.flat().map((m) => m.id)).toEqual(ids);
      expect(copy.count).toBe(3);
      expect(sequencer.latestId).toBe(ids[2]);
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

  it("refuses to commit while too many messages wait for D1, storing nothing", async () => {
    await withSequencer(async ({ sequencer, groups, copy }) => {
      copy.isBacklogged = true;
      await expect(sequencer.receive({ senderId: 1, content: "refused" })).rejects.toThrow(/waiting for D1/);
      expect(groups).toEqual([]);
      expect(sequencer.latestId).toBe(0);
    });
  });
});
