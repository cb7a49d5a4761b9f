/**
 * Timeline notes in a room's history pages: every join (with who added them), leave,
 * removal (with who removed them) and rename is kept by the room, and a page of history
 * carries the notes that fall within it, each after the message it came after.
 */
import { describe, expect, it } from "vitest";
import { call, makeRoom, makeUser, sendToRoom } from "../support/api";

type Page = { messages: { id: number; content: string }[]; has_more: boolean; notes?: Record<string, unknown>[] };

const page = async (token: string, roomId: number, query = "") =>
  (await call<Page>("GET", `/api/v1/rooms/${roomId}/messages/${query}`, { token })).body;

/** A group with a message, then a join, a rename, a second message, a leave and a removal. */
async function changedRoom() {
  const owner = await makeUser();
  const member = await makeUser();
  const newcomer = await makeUser();
  const room = await makeRoom(owner, [member], "before");
  await sendToRoom(owner, room.id, "first");
  const added = await call("POST", `/api/v1/rooms/${room.id}/members/`, {
    token: owner.access,
    json: { participants: [newcomer.id] },
  });
  expect(added.status).toBe(200);
  const renamed = await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "after" } });
  expect(renamed.status).toBe(200);
  await sendToRoom(member, room.id, "second");
  expect((await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: newcomer.access })).status).toBe(204);
  const removed = await call("DELETE", `/api/v1/rooms/${room.id}/members/${member.id}/`, { token: owner.access });
  expect(removed.status).toBe(204);
  const { messages } = await page(owner.access, room.id);
  const [first, second] = messages.map((message) => message.id);
  return { owner, member, newcomer, room, first, second };
}

describe("GET /api/v1/rooms/{id}/messages/ notes", () => {
  it("carries every join, rename, leave and removal, with who did it, after the message it followed", async () => {
    const { owner, member, newcomer, room, first, second } = await changedRoom();
    const answer = await page(owner.access, room.id);
    expect(answer.messages.map((message) => message.content)).toEqual(["first", "second"]);
    expect(answer.notes).toEqual([
      {
        id: expect.any(Number),
        kind: "joined",
        user: newcomer.id,
        by: owner.id,
        after: first,
        timestamp: expect.any(String),
      },
      {
        id: expect.any(Number),
        kind: "renamed",
        by: owner.id,
        title: "after",
        after: first,
        timestamp: expect.any(String),
      },
      { id: expect.any(Number), kind: "left", user: newcomer.id, after: second, timestamp: expect.any(String) },
      {
        id: expect.any(Number),
        kind: "removed",
        user: member.id,
        by: owner.id,
        after: second,
        timestamp: expect.any(String),
      },
    ]);
    const ids = answer.notes!.map((note) => note.id as number);
    expect(new Set(ids).size).toBe(4);
    const times = answer.notes!.map((note) => Date.parse(note.timestamp as string));
    expect(times.every((time) => Math.abs(Date.now() - time) < 60_000)).toBe(true);
  });

  it("gives each page the notes within it: an older page ends where the next begins, a newer one starts at its cursor", async () => {
    const { owner, room, first, second } = await changedRoom();
    const kinds = (answer: Page) => answer.notes?.map((note) => note.kind);
    // Older than the second message: the first, and what came between the two.
    const older = await page(owner.access, room.id, `?before=${second}`);
    expect(older.messages.map((message) => message.id)).toEqual([first]);
    expect(kinds(older)).toEqual(["joined", "renamed"]);
    // A page of one, the latest: more before it, so only what came after the second.
    const latest = await page(owner.access, room.id, "?limit=1");
    expect(latest).toMatchObject({ has_more: true, messages: [{ id: second }] });
    expect(kinds(latest)).toEqual(["left", "removed"]);
    // After the first: everything since.
    expect(kinds(await page(owner.access, room.id, `?after=${first}`))).toEqual([
      "joined",
      "renamed",
      "left",
      "removed",
    ]);
    // Around the first, with newer messages below: only up to the second.
    const around = await page(owner.access, room.id, `?around=${first}&limit=2`);
    expect(around).toMatchObject({ has_newer: false, messages: [{ id: first }, { id: second }] });
    expect(kinds(around)).toEqual(["joined", "renamed", "left", "removed"]);
    const aroundOne = await page(owner.access, room.id, `?around=${first}&limit=1`);
    expect(aroundOne).toMatchObject({ has_newer: true, messages: [{ id: first }] });
    // What came after its last message belongs to the next newer page.
    expect(aroundOne).not.toHaveProperty("notes");
  });

  it("notes a join with nobody adding them when people join an open room themselves, before any message", async () => {
    const owner = await makeUser();
    const joiner = await makeUser();
    const room = (await call("POST", "/api/v1/rooms/", { token: owner.access, json: { title: "open", open: true } }))
      .body;
    expect((await call("POST", `/api/v1/rooms/${room.id}/join/`, { token: joiner.access })).status).toBe(200);
    const answer = await page(joiner.access, room.id);
    expect(answer.messages).toEqual([]);
    expect(answer.notes).toEqual([
      { id: expect.any(Number), kind: "joined", user: joiner.id, after: 0, timestamp: expect.any(String) },
    ]);
  });

  it("leaves notes out of a page when nothing changed, and out of the room's own answer", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner, [await makeUser()]);
    await sendToRoom(owner, room.id, "hello");
    const answer = await page(owner.access, room.id);
    expect(answer.messages).toHaveLength(1);
    expect(answer).not.toHaveProperty("notes");
    await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "renamed" } });
    const { body } = await call("GET", `/api/v1/rooms/${room.id}/`, { token: owner.access });
    expect(body).not.toHaveProperty("notes");
  });
});
