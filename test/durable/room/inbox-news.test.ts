/**
 * How a room's news reaches its participants' inboxes: in batches on a timer, but a send that
 * waits for its news (a REST send) is not held for the timer. The timer here is the test's own,
 * so what goes out without it is seen to do so.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { AttachmentLinks } from "../../../core/attachments";
import { toWireMessage } from "../../../core/shapes";
import { roomObject } from "../../../durable/room";
import { InboxNews } from "../../../durable/room/inbox-news";
import { MessageStore } from "../../../durable/room/store";
import { call, makeRoom, makeUser } from "../../support/api";
import { storedId } from "../../support/room-store";

it("sends a batch a waiting send hurries as soon as none is on its way, not on the batch's timer", async () => {
  const [owner, member] = [await makeUser(), await makeUser()];
  const room = await makeRoom(owner, [member]);
  const unreadOf = async () => (await call("GET", "/api/v1/rooms/", { token: member.access })).body.results[0];
  // Listed once, so the member's inbox keeps the room's count from its news.
  expect((await unreadOf()).unread_count).toBe(0);
  await runInDurableObject(roomObject(env, { id: room.id, jurisdiction: null }), async (_object, state) => {
    const context = { env, roomId: room.id };
    const store = new MessageStore(state.storage, context);
    store.open();
    const timers: { run: () => void; ms: number }[] = [];
    const news = new InboxNews(
      context,
      store,
      state.storage,
      () => {},
      async () => {},
      () => [],
      (run, ms) => timers.push({ run, ms }),
    );
    const links = new AttachmentLinks(env.JWT_SECRET);
    const sent = (content: string) => {
      const id = storedId();
      store.insert({ id, senderId: owner.id, content, createdAt: new Date().toISOString(), clientId: null });
      return toWireMessage(store.find(id)!, links);
    };

    // A quiet room's batch is due at once; while it is on its way, a hurried send waits for it, then goes.
    const first = news.tell(sent("one"));
    expect(timers.map((timer) => timer.ms)).toEqual([0]);
    timers[0].run();
    await Promise.all([first, news.tell(sent("two"), true)]);

    // Just after a batch, the next is due a while later; a hurried send need not wait for that.
    const third = news.tell(sent("three"));
    expect(timers.at(-1)!.ms).toBeGreaterThan(0);
    await Promise.all([third, news.tell(sent("four"), true)]);
    // The timer finds its batch gone and sends nothing twice.
    for (const timer of timers) timer.run();
  });
  const listed = await unreadOf();
  expect(listed.unread_count).toBe(4);
  expect(listed.messages.at(-1).content).toBe("four");
});
