/**
 * Mentions: which members a message names, read once by the room, and the mention counts
 * of the room list, exact after sends, reads, edits and deletes.
 */
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inboxObject } from "../../durable/inbox";
import { roomObject } from "../../durable/room";
import { call, makeRoom, makeUser, sendToRoom } from "../support/api";
import { openInbox, openLiveRoom } from "../support/sockets";

const latestOf = (room: any) => room.messages.at(-1);

/** The caller's room in the list: its unread and mention counts. */
async function countsIn(person: { access: string }, roomId: number) {
  const { body } = await call("GET", "/api/v1/rooms/?limit=100", { token: person.access });
  const room = body.results.find((r: any) => r.id === roomId);
  return { unread: room.unread_count, mentions: room.mention_count };
}

describe("mentions in a message", () => {
  it("names members by username in any case, as whole words, never non-members, emails or the sender", async () => {
    const ana = await makeUser({ username: `ana_${crypto.randomUUID().slice(0, 4)}` });
    const bo = await makeUser({ username: `bo.${crypto.randomUUID().slice(0, 4)}` });
    const stranger = await makeUser();
    const room = await makeRoom(ana, [bo]);
    const text = `hi @${bo.username.toUpperCase()}. and @${stranger.username}, mail x@${bo.username} or me @${ana.username}`;
    const sent = latestOf(await sendToRoom(ana, room.id, text));
    expect(sent.mentions).toEqual([bo.id]);
    expect(sent.content).toBe(text);
    const plain = latestOf(await sendToRoom(ana, room.id, "no one here, user@example.com"));
    expect(plain).not.toHaveProperty("mentions");
  });

  it("@here names the members with the room open now, and goes out on the socket with the message", async () => {
    const [owner, watching, away] = [await makeUser(), await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [watching, away]);
    const socket = await openLiveRoom(watching.access, room.id);
    const sent = latestOf(await sendToRoom(owner, room.id, "lunch @here?"));
    expect(sent.mentions).toEqual([watching.id]);
    expect((await socket.nextOf("message")).message.mentions).toEqual([watching.id]);
    socket.close();
  });

  it("reads mentions again on an edit, and a username changed since", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const sent = latestOf(await sendToRoom(owner, room.id, "nobody yet"));
    const edited = await call("PATCH", `/api/v1/messages/${sent.id}/`, {
      token: owner.access,
      json: { content: `now @${member.username}` },
    });
    expect(edited.body.mentions).toEqual([member.id]);
    const renamed = `renamed_${crypto.randomUUID().slice(0, 6)}`;
    const changed = await call("PATCH", `/api/v1/profiles/${member.id}/`, {
      token: member.access,
      json: { username: renamed },
    });
    expect(changed.status).toBe(200);
    expect(latestOf(await sendToRoom(owner, room.id, `@${member.username}`))).not.toHaveProperty("mentions");
    expect(latestOf(await sendToRoom(owner, room.id, `@${renamed}`)).mentions).toEqual([member.id]);
  });
});

describe("GET /api/v1/rooms/ mention_count", () => {
  it("counts unread messages that mention me, exact after reads, edits, deletes and evictions", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me]);
    const inbox = await openInbox(me.access);
    expect((await inbox.nextOf("unread")).mentions).toEqual({ [room.id]: 0 });
    const first = latestOf(await sendToRoom(other, room.id, `@${me.username} one`));
    latestOf(await sendToRoom(other, room.id, "not you"));
    const third = latestOf(await sendToRoom(other, room.id, `@${me.username} three`));
    expect(await countsIn(me, room.id)).toEqual({ unread: 3, mentions: 2 });
    expect(await countsIn(other, room.id)).toEqual({ unread: 0, mentions: 0 });

    const mine = await openLiveRoom(me.access, room.id);
    mine.send({ type: "read", up_to: first.id });
    expect(await inbox.nextOf("unread")).toMatchObject({ counts: { [room.id]: 2 }, mentions: { [room.id]: 1 } });
    expect(await countsIn(me, room.id)).toEqual({ unread: 2, mentions: 1 });

    await call("PATCH", `/api/v1/messages/${third.id}/`, { token: other.access, json: { content: "you, no more" } });
    expect(await inbox.nextOf("unread")).toMatchObject({ mentions: { [room.id]: 0 } });
    await call("PATCH", `/api/v1/messages/${third.id}/`, {
      token: other.access,
      json: { content: `@${me.username} again` },
    });
    expect(await inbox.nextOf("unread")).toMatchObject({ mentions: { [room.id]: 1 } });
    expect(await countsIn(me, room.id)).toEqual({ unread: 2, mentions: 1 });

    await call("DELETE", `/api/v1/messages/${third.id}/`, { token: other.access });
    expect(await inbox.nextOf("unread")).toMatchObject({ counts: { [room.id]: 1 }, mentions: { [room.id]: 0 } });

    await sendToRoom(other, room.id, `@${me.username} four`);
    await evictDurableObject(roomObject(env, { id: room.id, jurisdiction: null }));
    await evictDurableObject(inboxObject(env, me.id));
    expect(await countsIn(me, room.id)).toEqual({ unread: 2, mentions: 1 });
    mine.close();
    inbox.close();
  });
});
