/**
 * How a room's news reaches its participants' inboxes: in batches on a timer, to a large
 * room's inboxes a slice at a time, but a send that waits for its news (a REST send) is held
 * for neither. The timer here is the test's own, so what goes out without it is seen to do so.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { AttachmentLinks } from "../../../core/attachments";
import type { WireMessage } from "../../../core/protocol";
import { toWireMessage } from "../../../core/shapes";
import { roomObject } from "../../../durable/room";
import { InboxNews } from "../../../durable/room/inbox-news";
import { MessageStore } from "../../../durable/room/store";
import { call, makeRoom, makeUser } from "../../support/api";
import { storedId } from "../../support/room-store";

type Timer = { run: () => void; ms: number };
type Person = Awaited<ReturnType<typeof makeUser>>;

/** The room's count and latest message in the member's room list. */
const listedFor = async (member: Person) =>
  (await call("GET", "/api/v1/rooms/", { token: member.access })).body.results[0];

/** Runs `body` in the room's object, with news for it on the test's timer and a way to commit a message of the owner's. */
async function withNews(
  roomId: number,
  owner: Person,
  body: (news: InboxNews, sent: (content: string) => WireMessage, timers: Timer[]) => Promise<void>,
) {
  await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), async (_object, state) => {
    const context = { env, roomId };
    const store = new MessageStore(state.storage, context);
    store.open();
    const timers: Timer[] = [];
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
    await body(news, sent, timers);
  });
}

it("sends a batch a waiting send hurries as soon as none is on its way, not on the batch's timer", async () => {
  const [owner, member] = [await makeUser(), await makeUser()];
  const room = await makeRoom(owner, [member]);
  // Listed once, so the member's inbox keeps the room's count from its news.
  expect((await listedFor(member)).unread_count).toBe(0);
  await withNews(room.id, owner, async (news, sent, timers) => {
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
  const listed = await listedFor(member);
  expect(listed.unread_count).toBe(4);
  expect(listed.messages.at(-1).content).toBe("four");
});

it("tells a room of 25 a slice of inboxes at a time on its timer, and all at once when a send waits", async () => {
  const owner = await makeUser();
  const members = await Promise.all(Array.from({ length: 24 }, () => makeUser()));
  const room = await makeRoom(owner, members);
  const unreadCounts = async () => Promise.all(members.map(async (member) => (await listedFor(member)).unread_count));
  expect(await unreadCounts()).toEqual(members.map(() => 0));
  await withNews(room.id, owner, async (news, sent, timers) => {
    let told = false;
    const first = news.tell(sent("one")).then(() => (told = true));
    timers[0].run();
    // Three slices of at most ten: the second and third each wait for a timer of their own.
    for (const slice of [2, 3]) {
      await vi.waitFor(() => expect(timers).toHaveLength(slice));
      expect(told).toBe(false);
      timers[slice - 1].run();
    }
    await first;
    expect(await unreadCounts()).toEqual(members.map(() => 1));

    const before = timers.length;
    await news.tell(sent("two"), true);
    // Only the batch's own timer was set, not run: no slice waited for one.
    expect(timers.length - before).toBe(1);
  });
  expect(await unreadCounts()).toEqual(members.map(() => 2));
});
