/**
 * The room's timeline notes on its sockets: each live frame of a join, leave, removal or
 * rename carries the note the room kept (a removal says who removed them), and a catch-up
 * after a message brings the notes since it, in `caught_up`, the same notes as the frames.
 */
import { describe, expect, it } from "vitest";
import { RoomFrame } from "../../../core/protocol";
import { call, makeRoom, makeUser, sendToRoom } from "../../support/api";
import { openLiveRoom, openRoom } from "../../support/sockets";

describe("a room's timeline notes", () => {
  it("come with each live frame, and a removal's frame says who removed them", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const newcomer = await makeUser();
    const room = await makeRoom(owner, [member]);
    const acked = (await sendToRoom(owner, room.id, "first")).messages.at(-1);
    const socket = await openLiveRoom(owner.access, room.id);
    await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: member.access,
      json: { participants: [newcomer.id] },
    });
    const joined = await socket.nextOf("member_joined");
    expect(joined).toMatchObject({
      user: { id: newcomer.id },
      note: { kind: "joined", user: newcomer.id, by: member.id, after: acked.id },
    });
    await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "new title" } });
    const renamed = await socket.nextOf("renamed");
    expect(renamed).toMatchObject({ title: "new title", by: owner.id, note: { kind: "renamed", title: "new title" } });
    await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: newcomer.access });
    const left = await socket.nextOf("member_left");
    expect(left).toMatchObject({ user: newcomer.id, note: { kind: "left", user: newcomer.id } });
    expect(left).not.toHaveProperty("by");
    await call("DELETE", `/api/v1/rooms/${room.id}/members/${member.id}/`, { token: owner.access });
    const removed = await socket.nextOf("member_left");
    expect(removed).toMatchObject({
      user: member.id,
      by: owner.id,
      note: { kind: "removed", user: member.id, by: owner.id },
    });
    for (const frame of [joined, renamed, left, removed]) expect(RoomFrame.safeParse(frame).success).toBe(true);
    // Each is the note the history pages carry.
    const page = (await call("GET", `/api/v1/rooms/${room.id}/messages/`, { token: owner.access })).body;
    expect(page.notes).toEqual([joined.note, renamed.note, left.note, removed.note]);
  });

  it("come in a catch-up after a message, those since it only, placed after the messages they followed", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member]);
    const first = (await sendToRoom(owner, room.id, "first")).messages.at(-1);
    await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "one" } });
    const second = (await sendToRoom(owner, room.id, "second")).messages.at(-1);
    await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "two" } });
    await call("DELETE", `/api/v1/rooms/${room.id}/members/${member.id}/`, { token: owner.access });

    const fromFirst = await openRoom(owner.access, room.id, first.id);
    expect((await fromFirst.nextOf("message")).message.id).toBe(second.id);
    const caughtUp = await fromFirst.nextOf("caught_up");
    expect(caughtUp.notes).toMatchObject([
      { kind: "renamed", title: "one", after: first.id },
      { kind: "renamed", title: "two", after: second.id },
      { kind: "removed", user: member.id, by: owner.id, after: second.id },
    ]);
    expect(RoomFrame.safeParse(caughtUp).success).toBe(true);

    const fromSecond = await openRoom(owner.access, room.id, second.id);
    expect((await fromSecond.nextOf("caught_up")).notes?.map((note: { title?: string }) => note.title)).toEqual([
      "two",
      undefined,
    ]);
    // A resume on an open socket catches up the same way.
    fromSecond.send({ type: "resume", after: second.id });
    expect((await fromSecond.nextOf("caught_up")).notes).toHaveLength(2);
    // A socket opened at the latest page has no catch-up, and no notes in it.
    const fresh = await openRoom(owner.access, room.id);
    expect(await fresh.nextOf("caught_up")).not.toHaveProperty("notes");
  });
});
