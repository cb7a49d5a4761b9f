/**
 * The room list's previews and unread counts, which each user's inbox keeps from what their
 * rooms tell it: exact after sends, reads, edits, deletes and leaving, and after any of the
 * objects involved is evicted.
 */
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inboxObject } from "../../durable/inbox";
import { roomObject } from "../../durable/room";
import { call, makeRoom, makeUser, sendToRoom } from "../support/api";
import { openInbox, openLiveRoom } from "../support/sockets";

/** The caller's rooms as the list answers them, by id: unread count and latest message's text. */
async function listOf(person: { access: string }) {
  const { status, body } = await call("GET", "/api/v1/rooms/?limit=100", { token: person.access });
  expect(status).toBe(200);
  return body.results.map((room: any) => ({
    id: room.id,
    unread: room.unread_count,
    latest: room.messages.at(-1)?.content,
  }));
}

const evictEveryone = async (roomId: number, people: { id: number }[]) => {
  await evictDurableObject(roomObject(env, { id: roomId, jurisdiction: null }));
  for (const person of people) await evictDurableObject(inboxObject(env, person.id));
};

describe("GET /api/v1/rooms/ previews and unread counts", () => {
  it("counts others' messages sent over REST, and the sender's own as read", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me]);
    expect(await listOf(me)).toEqual([{ id: room.id, unread: 0, latest: undefined }]);
    await sendToRoom(other, room.id, "one");
    await sendToRoom(other, room.id, "two");
    await sendToRoom(me, room.id, "mine");
    expect(await listOf(me)).toEqual([{ id: room.id, unread: 2, latest: "mine" }]);
    expect(await listOf(other)).toEqual([{ id: room.id, unread: 1, latest: "mine" }]);
  });

  it("stays exact through socket sends, a read, an edit and a delete, and after every object is evicted", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me]);
    // The list has been read once, so the inbox keeps a summary it must then keep right.
    await listOf(me);
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    const theirs = await openLiveRoom(other.access, room.id);
    const ids: number[] = [];
    for (const text of ["a", "b", "c"]) {
      theirs.send({ type: "send", client_id: text, content: text });
      ids.push((await theirs.nextOf("ack")).message.id);
      await inbox.nextOf("room_message");
    }
    expect(await listOf(me)).toEqual([{ id: room.id, unread: 3, latest: "c" }]);

    const mine = await openLiveRoom(me.access, room.id);
    mine.send({ type: "read", up_to: ids[0] });
    expect((await inbox.nextOf("unread")).counts).toEqual({ [room.id]: 2 });
    expect(await listOf(me)).toEqual([{ id: room.id, unread: 2, latest: "c" }]);

    theirs.send({ type: "edit", id: ids[2], content: "c, edited" });
    await theirs.nextOf("message_edited");
    theirs.send({ type: "delete", id: ids[1] });
    await theirs.nextOf("message_deleted");
    expect((await inbox.nextOf("unread")).counts).toEqual({ [room.id]: 1 });
    expect(await listOf(me)).toEqual([{ id: room.id, unread: 1, latest: "c, edited" }]);

    await evictEveryone(room.id, [me, other]);
    expect(await listOf(me)).toEqual([{ id: room.id, unread: 1, latest: "c, edited" }]);
    expect(await listOf(other)).toEqual([{ id: room.id, unread: 0, latest: "c, edited" }]);
  });

  it("drops a room its member left, and counts all of it again for one who rejoins", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const [kept] = [await makeRoom(member, [owner], "kept")];
    await sendToRoom(owner, room.id, "before");
    const mine = await openLiveRoom(member.access, room.id);
    mine.send({ type: "read", up_to: (await sendToRoom(owner, room.id, "read")).messages.at(-1).id });
    await mine.nextOf("read");
    expect(await listOf(member)).toContainEqual({ id: room.id, unread: 0, latest: "read" });

    const left = await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: member.access });
    expect(left.status).toBe(204);
    expect((await listOf(member)).map((r: { id: number }) => r.id)).toEqual([kept.id]);
    await sendToRoom(owner, room.id, "while away");
    const back = await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: owner.access,
      json: { participants: [member.id] },
    });
    expect(back.status).toBe(200);
    expect(await listOf(member)).toContainEqual({ id: room.id, unread: 3, latest: "while away" });
  });

  it("orders a member of 200 rooms by latest activity, with every count right, one page at a time", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const rooms = [];
    for (let i = 0; i < 200; i++) rooms.push(await makeRoom(other, [me], `room ${i}`));
    // Every third room gets messages, the newest last, so activity differs from creation order.
    const spoken = rooms.filter((_, i) => i % 3 === 0);
    for (const [i, room] of spoken.entries()) {
      for (let n = 0; n <= i % 4; n++) await sendToRoom(other, room.id, `${room.title} #${n}`);
    }
    const seen = [];
    let next: string | null = "/api/v1/rooms/?limit=50";
    while (next) {
      const { body }: { body: any } = await call("GET", next.replace(/^https?:\/\/[^/]+/, ""), { token: me.access });
      expect(body.count).toBe(200);
      seen.push(...body.results);
      next = body.next;
    }
    expect(seen).toHaveLength(200);
    const expectedOrder = [
      ...spoken.toReversed().map((room) => room.id),
      ...rooms
        .filter((_, i) => i % 3 !== 0)
        .toReversed()
        .map((room) => room.id),
    ];
    expect(seen.map((room) => room.id)).toEqual(expectedOrder);
    for (const [i, room] of spoken.entries()) {
      expect(seen.find((r) => r.id === room.id)).toMatchObject({ unread_count: (i % 4) + 1 });
    }
  }, 120_000);
});
