import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomObject } from "../../durable/room";
import { call, makeRoom, makeUser, sendToRoom, sendToUser } from "../support/api";
import { openInbox, openRoom, upgrade } from "../support/sockets";

describe("the inbox socket", () => {
  it("refuses a missing token with 401", async () => {
    expect((await upgrade("/api/v1/inbox/socket/")).status).toBe(401);
  });

  it("opens with the unread count of every room", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me]);
    await sendToRoom(other, room.id, "one");
    await sendToRoom(other, room.id, "two");
    const inbox = await openInbox(me.access);
    expect(await inbox.nextOf("unread")).toEqual({
      type: "unread",
      counts: { [room.id]: 2 },
      mentions: { [room.id]: 0 },
    });
  });

  it("tells of a new message in a room the user is not looking at", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me], "project");
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    await sendToRoom(other, room.id, "news");
    const frame = await inbox.nextOf("room_message");
    expect(frame).toMatchObject({
      room: room.id,
      title: "project",
      first_dm: false,
      message: { content: "news", sender: other.id },
    });
  });

  it("marks the first DM from someone new", async () => {
    const [me, stranger] = [await makeUser(), await makeUser()];
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    await sendToUser(stranger, me, "hi, we have not met");
    expect(await inbox.nextOf("room_message")).toMatchObject({
      first_dm: true,
      message: { content: "hi, we have not met" },
    });
    await sendToUser(stranger, me, "again");
    expect(await inbox.nextOf("room_message")).toMatchObject({ first_dm: false });
  });

  it("tells a user they were added to a room, and removed from one", async () => {
    const [owner, me] = [await makeUser(), await makeUser()];
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    const room = await makeRoom(owner, [me], "new room");
    expect(await inbox.nextOf("added_to_room")).toEqual({
      type: "added_to_room",
      room: room.id,
      title: "new room",
      by: owner.id,
    });
    const later = await makeRoom(owner, [], "later");
    await call("POST", `/api/v1/rooms/${later.id}/members/`, { token: owner.access, json: { participants: [me.id] } });
    expect(await inbox.nextOf("added_to_room")).toMatchObject({ room: later.id });
    await call("DELETE", `/api/v1/rooms/${later.id}/members/${me.id}/`, { token: owner.access });
    expect(await inbox.nextOf("removed_from_room")).toEqual({ type: "removed_from_room", room: later.id });
  });

  it("carries a renamed room's new title in the news of its next message", async () => {
    const [me, owner] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [me], "old title");
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    await sendToRoom(owner, room.id, "before");
    expect(await inbox.nextOf("room_message")).toMatchObject({ title: "old title" });
    await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "new title" } });
    await sendToRoom(owner, room.id, "after");
    expect(await inbox.nextOf("room_message")).toMatchObject({ title: "new title", message: { content: "after" } });
  });

  it("tells every member's tabs a group's new title at once, the renamer's too", async () => {
    const [me, owner] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [me], "old title");
    const [mine, theirs] = [await openInbox(me.access), await openInbox(owner.access)];
    for (const inbox of [mine, theirs]) await inbox.nextOf("unread");
    await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "new title" } });
    for (const inbox of [mine, theirs])
      expect(await inbox.nextOf("room_renamed")).toEqual({ type: "room_renamed", room: room.id, title: "new title" });
  });

  it("tells of an edit and a delete as the message reads now, and keeps the list's preview with it", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me], "previews");
    const posted = (await sendToRoom(other, room.id, "lunch at noon?")).messages.at(-1);
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    const author = await openRoom(other.access, room.id);
    await author.nextOf("caught_up");
    author.send({ type: "edit", id: posted.id, content: "lunch at one?" });
    expect(await inbox.nextOf("message_changed")).toMatchObject({
      room: room.id,
      message: { id: posted.id, content: "lunch at one?", deleted: false },
    });
    const preview = async () =>
      (await call("GET", "/api/v1/rooms/", { token: me.access })).body.results.find((r: any) => r.id === room.id)
        .messages[0];
    expect(await preview()).toMatchObject({ content: "lunch at one?" });
    author.send({ type: "delete", id: posted.id });
    // A delete counts again, and says so first.
    expect(await inbox.nextOf("unread")).toMatchObject({ counts: { [room.id]: 0 } });
    expect(await inbox.nextOf("message_changed")).toMatchObject({
      message: { id: posted.id, content: "", deleted: true },
    });
    expect(await preview()).toMatchObject({ id: posted.id, deleted: true });
  });

  it("tells a member added after the room's first news of its next message, and not one who left", async () => {
    const [owner, newcomer, leaver] = [await makeUser(), await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [leaver], "team");
    const elsewhere = await makeRoom(owner, [leaver], "elsewhere");
    const [newcomerInbox, leaverInbox, ownerInbox] = [
      await openInbox(newcomer.access),
      await openInbox(leaver.access),
      await openInbox(owner.access),
    ];
    for (const inbox of [newcomerInbox, leaverInbox, ownerInbox]) await inbox.nextOf("unread");
    await sendToRoom(owner, room.id, "before the change");
    expect(await leaverInbox.nextOf("room_message")).toMatchObject({ message: { content: "before the change" } });
    await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: owner.access,
      json: { participants: [newcomer.id] },
    });
    await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: leaver.access });
    await sendToRoom(owner, room.id, "after the change");
    expect(await newcomerInbox.nextOf("room_message")).toMatchObject({
      room: room.id,
      message: { content: "after the change" },
    });
    await sendToRoom(owner, elsewhere.id, "in another room");
    expect(await leaverInbox.nextOf("room_message")).toMatchObject({
      room: elsewhere.id,
      message: { content: "in another room" },
    });
  });

  it("still tells of new messages after the room's object was evicted", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me], "evicted");
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    await sendToRoom(other, room.id, "before eviction");
    expect(await inbox.nextOf("room_message")).toMatchObject({ message: { content: "before eviction" } });
    await evictDurableObject(roomObject(env, { id: room.id, jurisdiction: null }));
    await sendToRoom(other, room.id, "after eviction");
    expect(await inbox.nextOf("room_message")).toMatchObject({
      title: "evicted",
      message: { content: "after eviction" },
    });
  });

  it("updates the unread count when the user reads in another tab", async () => {
    const [me, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(other, [me]);
    const posted = await sendToRoom(other, room.id, "read me");
    const inbox = await openInbox(me.access);
    await inbox.nextOf("unread");
    const tab = await openRoom(me.access, room.id);
    await tab.nextOf("caught_up");
    tab.send({ type: "read", up_to: posted.messages.at(-1).id });
    expect(await inbox.nextOf("unread")).toEqual({
      type: "unread",
      counts: { [room.id]: 0 },
      mentions: { [room.id]: 0 },
    });
  });
});

describe("membership changes on open room sockets", () => {
  it("closes a removed member's socket and tells the others", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const ownerSocket = await openRoom(owner.access, room.id);
    const memberSocket = await openRoom(member.access, room.id);
    await memberSocket.nextOf("caught_up");
    await call("DELETE", `/api/v1/rooms/${room.id}/members/${member.id}/`, { token: owner.access });
    expect((await memberSocket.closed).code).toBe(4003);
    expect(await ownerSocket.nextOf("member_left")).toMatchObject({
      type: "member_left",
      user: member.id,
      by: owner.id,
    });
    await sendToRoom(owner, room.id, "after they left");
    expect(memberSocket.pending().filter((f) => f.type === "message")).toEqual([]);
  });

  it("announces a new member to the room", async () => {
    const [owner, newcomer] = [
      await makeUser({ username: "newcomer", firstName: "New", lastName: "Comer" }),
      await makeUser(),
    ];
    const room = await makeRoom(owner);
    const socket = await openRoom(owner.access, room.id);
    await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: owner.access,
      json: { participants: [newcomer.id] },
    });
    expect(await socket.nextOf("member_joined")).toMatchObject({
      user: { id: newcomer.id, username: newcomer.username },
    });
  });

  it("tells the room's sockets a group's new title and who gave it", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member], "old title");
    const socket = await openRoom(member.access, room.id);
    await socket.nextOf("caught_up");
    const answer = await call("PATCH", `/api/v1/rooms/${room.id}/`, {
      token: owner.access,
      json: { title: "  new title " },
    });
    expect(answer.status).toBe(200);
    expect(await socket.nextOf("renamed")).toMatchObject({ type: "renamed", title: "new title", by: owner.id });
  });

  it("closes every socket of a deleted room", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    const socket = await openRoom(owner.access, room.id);
    await socket.nextOf("caught_up");
    expect((await call("DELETE", `/api/v1/rooms/${room.id}/`, { token: owner.access })).status).toBe(204);
    expect((await socket.closed).code).toBe(4004);
  });

  it("tells the room who is here as sockets come and go", async () => {
    const [a, b] = [await makeUser(), await makeUser()];
    const room = await makeRoom(a, [b]);
    const first = await openRoom(a.access, room.id);
    expect(await first.nextOf("here")).toEqual({ type: "here", users: [a.id] });
    const second = await openRoom(b.access, room.id);
    expect(await first.nextOf("here")).toEqual({ type: "here", users: [a.id, b.id].sort((x, y) => x - y) });
    second.close();
    expect(await first.nextOf("here")).toEqual({ type: "here", users: [a.id] });
  });
});
