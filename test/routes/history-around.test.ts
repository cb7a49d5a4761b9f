/** GET /api/v1/rooms/{id}/messages/?around=<id>: the page a link to a message opens at. */
import { describe, expect, it } from "vitest";
import { call, expectError, makeRoom, makeUser, seedMessages, sendToRoom } from "../support/api";

const contents = (messages: { content: string }[]) => messages.map((m) => m.content);

/** A room of the owner's with messages m1 … m`count`, oldest first, and their ids. */
async function roomWith(count: number) {
  const owner = await makeUser();
  const room = await makeRoom(owner);
  await seedMessages(
    room.id,
    owner.id,
    Array.from({ length: count }, (_, i) => `m${i + 1}`),
  );
  const { body } = await call("GET", `/api/v1/rooms/${room.id}/messages/?limit=100`, { token: owner.access });
  const ids: number[] = body.messages.map((m: { id: number }) => m.id);
  const around = (n: number, query = "") =>
    call("GET", `/api/v1/rooms/${room.id}/messages/?around=${ids[n - 1]}${query}`, { token: owner.access });
  return { owner, room, ids, around };
}

describe("GET /api/v1/rooms/{id}/messages/?around=", () => {
  it("answers the message with about half the page before it and the rest after, oldest first", async () => {
    const { around } = await roomWith(30);
    const page = await around(15, "&limit=10");
    expect(page.status).toBe(200);
    expect(contents(page.body.messages)).toEqual([
      "m11",
      "m12",
      "m13",
      "m14",
      "m15",
      "m16",
      "m17",
      "m18",
      "m19",
      "m20",
    ]);
    expect(page.body).toMatchObject({ has_more: true, has_newer: true });
  });

  it("says when no older or no newer messages exist, near either end of the history", async () => {
    const { around } = await roomWith(30);
    const first = await around(2, "&limit=10");
    expect(contents(first.body.messages)).toEqual(["m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
    expect(first.body).toMatchObject({ has_more: false, has_newer: true });

    const last = await around(30, "&limit=10");
    expect(contents(last.body.messages)).toEqual(["m26", "m27", "m28", "m29", "m30"]);
    expect(last.body).toMatchObject({ has_more: true, has_newer: false });

    const whole = await around(15);
    expect(whole.body.messages).toHaveLength(30);
    expect(whole.body).toMatchObject({ has_more: false, has_newer: false });
  });

  it("answers just the message with a limit of 1, still saying what lies either side", async () => {
    const { around } = await roomWith(5);
    const page = await around(3, "&limit=1");
    expect(page.body).toEqual({
      messages: [expect.objectContaining({ content: "m3" })],
      has_more: true,
      has_newer: true,
    });
  });

  it("finds a message acknowledged a moment ago, and shows edits and deletes in place", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    for (const text of ["one", "two", "three"]) await sendToRoom(owner, room.id, text);
    const sent = (await sendToRoom(owner, room.id, "four")).messages;
    const [two, three, four] = sent.slice(-3).map((m: { id: number }) => m.id);
    expect(
      (await call("PATCH", `/api/v1/messages/${two}/`, { token: owner.access, json: { content: "2" } })).status,
    ).toBe(200);
    expect((await call("DELETE", `/api/v1/messages/${three}/`, { token: owner.access })).status).toBe(204);

    const page = await call("GET", `/api/v1/rooms/${room.id}/messages/?around=${four}`, { token: owner.access });
    expect(page.body.messages.map((m: { content: string; deleted: boolean }) => [m.content, m.deleted])).toEqual([
      ["one", false],
      ["2", false],
      ["", true],
      ["four", false],
    ]);
    const atDeleted = await call("GET", `/api/v1/rooms/${room.id}/messages/?around=${three}&limit=1`, {
      token: owner.access,
    });
    expect(atDeleted.body.messages).toEqual([expect.objectContaining({ id: three, deleted: true })]);
  });

  it("answers 404 for another room's message and for an id never given", async () => {
    const { owner, room } = await roomWith(3);
    const other = await makeRoom(owner);
    const elsewhere = (await sendToRoom(owner, other.id, "elsewhere")).messages[0].id;
    for (const id of [elsewhere, 999_999_999]) {
      const answer = await call("GET", `/api/v1/rooms/${room.id}/messages/?around=${id}`, { token: owner.access });
      expectError(answer, 404, "not_found");
      expect(answer.body.error).toBe("No such message in this room.");
    }
  });

  it("refuses around with before or after, and an around that is not an id, with 400", async () => {
    const { owner, room, ids } = await roomWith(3);
    for (const query of [`around=${ids[1]}&before=${ids[2]}`, `around=${ids[1]}&after=${ids[0]}`]) {
      const answer = await call("GET", `/api/v1/rooms/${room.id}/messages/?${query}`, { token: owner.access });
      expectError(answer, 400, "invalid");
      expect(answer.body.fields).toEqual({ around: "cannot be combined with before or after" });
    }
    for (const query of ["around=x", "around=-1", "around=0", "around=1.5", `around=${ids[0]}&limit=0`]) {
      expectError(await call("GET", `/api/v1/rooms/${room.id}/messages/?${query}`, { token: owner.access }), 400);
    }
  });

  it("refuses a non-participant with 403 and answers 404 for an unknown room, whatever the message", async () => {
    const { room, ids } = await roomWith(3);
    const outsider = await makeUser({ isSuperuser: true });
    expectError(
      await call("GET", `/api/v1/rooms/${room.id}/messages/?around=${ids[1]}`, { token: outsider.access }),
      403,
      "permission_denied",
    );
    expectError(
      await call("GET", `/api/v1/rooms/999999999/messages/?around=${ids[1]}`, { token: outsider.access }),
      404,
      "not_found",
    );
  });

  it("leaves the other pages' answers as they were, without has_newer", async () => {
    const { owner, room, ids } = await roomWith(3);
    for (const query of ["", `?before=${ids[2]}`, `?after=${ids[0]}`]) {
      const { body } = await call("GET", `/api/v1/rooms/${room.id}/messages/${query}`, { token: owner.access });
      expect(Object.keys(body).sort()).toEqual(["has_more", "messages"]);
    }
  });
});
