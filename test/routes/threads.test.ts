import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inboxObject } from "../../durable/inbox";
import { roomObject } from "../../durable/room";
import { call, expectError, historyOf, makeRoom, makeUser, sendToRoom, snapshot } from "../support/api";
import { openInbox, openLiveRoom, openRoom } from "../support/sockets";

type Person = Awaited<ReturnType<typeof makeUser>>;

/** Sends to a room with reply fields; answers the raw answer. */
const send = (who: Person, roomId: number, message: string, extra: Record<string, unknown> = {}) =>
  call("POST", "/api/v1/send_message_to_room/", { token: who.access, json: { group_id: roomId, message, ...extra } });

/** Sends and answers the stored message's id (the last in the thread or timeline it went to). */
async function sent(who: Person, roomId: number, message: string, extra: Record<string, unknown> = {}) {
  const answer = await send(who, roomId, message, extra);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  const thread = extra.thread as number | undefined;
  if (thread === undefined) return answer.body.messages.at(-1) as { id: number; [key: string]: unknown };
  return (await threadPage(who, roomId, thread)).body.messages.at(-1);
}

const threadPage = (who: Person, roomId: number, root: number, query = "") =>
  call("GET", `/api/v1/rooms/${roomId}/messages/?thread=${root}${query}`, { token: who.access });

/** How many messages the room's store holds, thread replies included. */
const storedCount = (roomId: number) =>
  runInDurableObject(
    roomObject(env, { id: roomId, jurisdiction: null }),
    (_room, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n,
  );

async function roomOfThree() {
  const [ana, ben, cy] = [await makeUser(), await makeUser(), await makeUser()];
  const room = await makeRoom(ana, [ben, cy]);
  return { ana, ben, cy, room };
}

describe("quote-replies", () => {
  it("carries the quoted message's id, sender and excerpt, and plain messages carry no reply keys", async () => {
    const { ana, ben, room } = await roomOfThree();
    const quoted = await sent(ana, room.id, "lunch at noon?");
    const reply = await sent(ben, room.id, "yes", { reply_to: quoted.id });
    expect(reply.reply_to).toEqual({ id: quoted.id, sender: ana.id, excerpt: "lunch at noon?", deleted: false });
    expect(Object.keys(quoted).sort()).toEqual([
      "content",
      "deleted",
      "edited_at",
      "id",
      "room",
      "sender",
      "timestamp",
    ]);
    // Deleting the quoted message empties the quote everywhere it is read.
    expect((await call("DELETE", `/api/v1/messages/${quoted.id}/`, { token: ana.access })).status).toBe(204);
    const history = await historyOf(ben.access, room.id);
    expect(history.find((m) => m.id === reply.id)).toMatchObject({
      reply_to: { id: quoted.id, excerpt: "", deleted: true },
    });
  });

  it("refuses a reply_to that is not a message of the room, or is deleted, with 400 on reply_to and stores nothing", async () => {
    const { ana, ben, room } = await roomOfThree();
    const other = await makeRoom(ana, [ben], "elsewhere");
    const elsewhere = await sent(ana, other.id, "not here");
    const gone = await sent(ana, room.id, "soon gone");
    await call("DELETE", `/api/v1/messages/${gone.id}/`, { token: ana.access });
    const before = [await snapshot(), await storedCount(room.id)];
    for (const reply_to of [elsewhere.id, gone.id, 999_999_999]) {
      const answer = await send(ben, room.id, "answer", { reply_to });
      expectError(answer, 400, "invalid");
      expect(answer.body.fields).toEqual({ reply_to: expect.any(String) });
    }
    expect([await snapshot(), await storedCount(room.id)]).toEqual(before);
  });

  it("refuses a reply in a DM not made yet without making it", async () => {
    const [ana, ben] = [await makeUser(), await makeUser()];
    const before = await snapshot();
    const answer = await call("POST", "/api/v1/send_message_to_user/", {
      token: ana.access,
      json: { user_id: ben.id, message: "hi", thread: 5 },
    });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toEqual({ thread: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });
});

describe("threads over REST", () => {
  it("pages a thread oldest first without its root, and the main timeline shows the root with its summary only", async () => {
    const { ana, ben, cy, room } = await roomOfThree();
    const root = await sent(ana, room.id, "who reviews the release?");
    const replies = [
      await sent(ben, room.id, "me", { thread: root.id }),
      await sent(cy, room.id, "me too", { thread: root.id }),
      await sent(ben, room.id, "done", { thread: root.id }),
    ];
    const after = await sent(cy, room.id, "next topic");
    expect(replies.map((reply) => reply.thread_root)).toEqual([root.id, root.id, root.id]);

    const history = await historyOf(ana.access, room.id);
    expect(history.map((m) => m.id)).toEqual([root.id, after.id]);
    expect(history[0]).toMatchObject({
      thread: { reply_count: 3, last_reply_at: replies[2].timestamp, participants: [ben.id, cy.id] },
    });
    expect(history[1]).not.toHaveProperty("thread");

    const whole = await threadPage(ana, room.id, root.id);
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual({ messages: replies, has_more: false });
    const firstTwo = await threadPage(ana, room.id, root.id, "&limit=2");
    expect(firstTwo.body.messages.map((m: { content: string }) => m.content)).toEqual(["me too", "done"]);
    expect(firstTwo.body.has_more).toBe(true);
    const older = await threadPage(ana, room.id, root.id, `&before=${replies[1].id}`);
    expect(older.body.messages.map((m: { id: number }) => m.id)).toEqual([replies[0].id]);
    const newer = await threadPage(ana, room.id, root.id, `&after=${replies[0].id}&limit=1`);
    expect(newer.body).toMatchObject({ messages: [{ id: replies[1].id }], has_more: true });

    // The room's answer is the main timeline too.
    const answer = await sendToRoom(ana, room.id, "last");
    expect(answer.messages.map((m: { id: number }) => m.id)).toEqual([root.id, after.id, expect.any(Number)]);
    expect(answer.messages[0].thread.reply_count).toBe(3);
  });

  it("keeps the summary exact when replies are deleted, and drops it with the last", async () => {
    const { ana, ben, cy, room } = await roomOfThree();
    const root = await sent(ana, room.id, "root");
    const first = await sent(ben, room.id, "one", { thread: root.id });
    const second = await sent(cy, room.id, "two", { thread: root.id });
    await call("DELETE", `/api/v1/messages/${second.id}/`, { token: cy.access });
    expect(((await historyOf(ana.access, room.id)) as { thread?: unknown }[])[0].thread).toEqual({
      reply_count: 1,
      last_reply_at: first.timestamp,
      participants: [ben.id],
    });
    await call("DELETE", `/api/v1/messages/${first.id}/`, { token: ben.access });
    expect((await historyOf(ana.access, room.id))[0]).not.toHaveProperty("thread");
  });

  it("refuses a thread that is not a root of the room, deleted, or a reply itself, with 400 on thread and stores nothing", async () => {
    const { ana, ben, room } = await roomOfThree();
    const other = await makeRoom(ana, [ben], "elsewhere");
    const elsewhere = await sent(ana, other.id, "not here");
    const root = await sent(ana, room.id, "root");
    const reply = await sent(ben, room.id, "a reply", { thread: root.id });
    const gone = await sent(ana, room.id, "soon gone");
    await call("DELETE", `/api/v1/messages/${gone.id}/`, { token: ana.access });
    const before = [await snapshot(), await storedCount(room.id)];
    for (const thread of [elsewhere.id, reply.id, gone.id, 999_999_999]) {
      const answer = await send(ben, room.id, "nested", { thread });
      expectError(answer, 400, "invalid");
      expect(answer.body.fields).toEqual({ thread: expect.any(String) });
    }
    expect([await snapshot(), await storedCount(room.id)]).toEqual(before);
  });

  it("answers 404 for a thread whose root is not in the room, and 400 for thread with around", async () => {
    const { ana, ben, room } = await roomOfThree();
    const other = await makeRoom(ana, [ben], "elsewhere");
    const elsewhere = await sent(ana, other.id, "not here");
    const root = await sent(ana, room.id, "root");
    const reply = await sent(ben, room.id, "reply", { thread: root.id });
    expectError(await threadPage(ana, room.id, elsewhere.id), 404, "not_found");
    expectError(await threadPage(ana, room.id, reply.id), 404, "not_found");
    expectError(await threadPage(ana, room.id, root.id, `&around=${root.id}`), 400, "invalid");
  });

  it("answers a link to a thread reply with the page around its root, naming the root", async () => {
    const { ana, ben, room } = await roomOfThree();
    const root = await sent(ana, room.id, "root");
    const reply = await sent(ben, room.id, "found by search", { thread: root.id });
    const later = await sent(ana, room.id, "later");
    const page = await call("GET", `/api/v1/rooms/${room.id}/messages/?around=${reply.id}`, { token: ana.access });
    expect(page.status).toBe(200);
    expect(page.body.thread).toBe(root.id);
    expect(page.body.messages.map((m: { id: number }) => m.id)).toEqual([root.id, later.id]);
    const plain = await call("GET", `/api/v1/rooms/${room.id}/messages/?around=${later.id}`, { token: ana.access });
    expect(plain.body).not.toHaveProperty("thread");
  });

  it("does not count thread replies in the room's unread count or preview, kept or counted afresh", async () => {
    const { ana, ben, room } = await roomOfThree();
    const unreadOf = async () => {
      const { body } = await call("GET", "/api/v1/rooms/?limit=100", { token: ben.access });
      const mine = body.results.find((r: { id: number }) => r.id === room.id);
      return { unread: mine.unread_count, latest: mine.messages.at(-1)?.content };
    };
    expect(await unreadOf()).toEqual({ unread: 0, latest: undefined });
    const root = await sent(ana, room.id, "root");
    await sent(ana, room.id, "reply", { thread: root.id });
    expect(await unreadOf()).toEqual({ unread: 1, latest: "root" });
    await evictDurableObject(inboxObject(env, ben.id));
    expect(await unreadOf()).toEqual({ unread: 1, latest: "root" });
  });
});

describe("threads over the socket", () => {
  it("broadcasts a reply flagged with its root, then the root's new summary", async () => {
    const { ana, ben, room } = await roomOfThree();
    const root = await sent(ana, room.id, "root");
    const watcher = await openLiveRoom(ana.access, room.id);
    const sender = await openLiveRoom(ben.access, room.id);
    sender.send({ type: "send", client_id: "r1", content: "in the thread", thread: root.id });
    const ack = await sender.nextOf("ack");
    expect(ack.message.thread_root).toBe(root.id);
    const frame = await watcher.nextOf("message");
    expect(frame.message).toMatchObject({ id: ack.message.id, thread_root: root.id, content: "in the thread" });
    expect(await watcher.nextOf("thread_updated")).toEqual({
      type: "thread_updated",
      root: root.id,
      thread: { reply_count: 1, last_reply_at: ack.message.timestamp, participants: [ben.id] },
    });
    sender.send({ type: "delete", id: ack.message.id });
    expect(await watcher.nextOf("thread_updated")).toEqual({ type: "thread_updated", root: root.id });
    watcher.close();
    sender.close();
  });

  it("refuses a bad thread or reply_to on the socket with an invalid error carrying the client id", async () => {
    const { ana, room } = await roomOfThree();
    const socket = await openLiveRoom(ana.access, room.id);
    socket.send({ type: "send", client_id: "bad", content: "x", thread: 999_999_999 });
    expect(await socket.nextOf("error")).toMatchObject({ code: "invalid", client_id: "bad" });
    socket.send({ type: "send", client_id: "bad2", content: "x", reply_to: 999_999_999 });
    expect(await socket.nextOf("error")).toMatchObject({ code: "invalid", client_id: "bad2" });
    expect(await storedCount(room.id)).toBe(0);
    socket.close();
  });

  it("catches up a reconnecting client on the replies it missed, then their roots' summaries", async () => {
    const { ana, ben, room } = await roomOfThree();
    const root = await sent(ana, room.id, "root");
    const reply = await sent(ben, room.id, "missed reply", { thread: root.id });
    const plain = await sent(ben, room.id, "missed plain");
    const socket = await openRoom(ana.access, room.id, root.id);
    const one = await socket.nextOf("message");
    const two = await socket.nextOf("message");
    expect([one.message, two.message]).toEqual([
      expect.objectContaining({ id: reply.id, thread_root: root.id }),
      expect.objectContaining({ id: plain.id }),
    ]);
    expect(await socket.next()).toMatchObject({
      type: "thread_updated",
      root: root.id,
      thread: { reply_count: 1, participants: [ben.id] },
    });
    expect(await socket.next()).toEqual({
      type: "caught_up",
      last_id: plain.id,
      has_more: false,
      changes: expect.any(Number),
    });
    socket.close();
  });
});

describe("thread news in the inbox", () => {
  it("tells the thread's participants of a reply, and not the room's other members", async () => {
    const [ana, ben, cy, dan] = [await makeUser(), await makeUser(), await makeUser(), await makeUser()];
    const room = await makeRoom(ana, [ben, cy, dan]);
    const root = await sent(ana, room.id, "root");
    await sent(ben, room.id, "first reply", { thread: root.id });
    const inboxes = [await openInbox(ana.access), await openInbox(ben.access), await openInbox(dan.access)];
    for (const inbox of inboxes) await inbox.nextOf("unread");
    const [anaInbox, benInbox, danInbox] = inboxes;
    await sent(cy, room.id, "cy joins in", { thread: root.id });
    const marker = await sent(cy, room.id, "a later timeline message");
    for (const inbox of [anaInbox, benInbox]) {
      expect(await inbox.nextOf("thread_reply")).toMatchObject({
        room: room.id,
        message: { content: "cy joins in", thread_root: root.id, sender: cy.id },
      });
    }
    // Dan is in the room, not the thread: the timeline message reaches him, the reply does not.
    await danInbox.next((frame) => frame.type === "room_message" && frame.message.id === marker.id);
    expect(danInbox.received().filter((frame) => frame.type !== "unread" && frame.message.id !== marker.id)).toEqual(
      [],
    );
    for (const inbox of inboxes) inbox.close();
  });

  it("tells someone mentioned in a thread of its later replies", async () => {
    const [ana, ben, cy, dan] = [await makeUser(), await makeUser(), await makeUser(), await makeUser()];
    const room = await makeRoom(ana, [ben, cy, dan]);
    const root = await sent(ana, room.id, "root");
    await sent(ben, room.id, `@${dan.username} have a look`, { thread: root.id });
    const danInbox = await openInbox(dan.access);
    await danInbox.nextOf("unread");
    await sent(cy, room.id, "agreed", { thread: root.id });
    expect(await danInbox.nextOf("thread_reply")).toMatchObject({
      room: room.id,
      message: { content: "agreed", thread_root: root.id, sender: cy.id },
    });
    danInbox.close();
  });
});
