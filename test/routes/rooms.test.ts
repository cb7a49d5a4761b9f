import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomObject } from "../../durable/room";
import {
  call,
  expectError,
  makeRoom,
  makeUser,
  ORIGIN,
  seedMessages,
  sendToRoom,
  sendToUser,
  snapshot,
} from "../support/api";

const ids = (people: { id: number }[]) => people.map((p) => p.id).sort((a, b) => a - b);
const contents = (messages: { content: string }[]) => messages.map((m) => m.content);

describe("POST /api/v1/rooms/", () => {
  it("answers 201 with a group room whose creator is its owner and a participant", async () => {
    const owner = await makeUser();
    const a = await makeUser();
    const b = await makeUser();
    const { status, body } = await call("POST", "/api/v1/rooms/", {
      token: owner.access,
      json: { title: "new test room chat", participants: [a.id, b.id, owner.id] },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      title: "new test room chat",
      messages: [],
      is_group: true,
      created_by: owner.id,
      owner: owner.id,
    });
    expect(body.id).toEqual(expect.any(Number));
    expect(body.last_activity).toBe(body.timestamp);
    expect(ids(body.participants)).toEqual(ids([owner, a, b]));
    expect(body.participants[0]).toMatchObject({
      id: owner.id,
      username: owner.username,
      avatar_url: `${ORIGIN}/media/avatar_files/default_img.png`,
    });
  });

  it("makes a group even of two people, and a room of just its creator without participants", async () => {
    const owner = await makeUser();
    const other = await makeUser();
    expect((await makeRoom(owner, [other])).is_group).toBe(true);
    const alone = await call("POST", "/api/v1/rooms/", { token: owner.access, json: { title: "notes" } });
    expect(alone.status).toBe(201);
    expect(ids(alone.body.participants)).toEqual([owner.id]);
  });

  it("takes each participant once, whatever the repeats, and ids as numeric strings", async () => {
    const owner = await makeUser();
    const other = await makeUser();
    const { body } = await call("POST", "/api/v1/rooms/", {
      token: owner.access,
      json: { title: "t", participants: [other.id, other.id, String(other.id)] },
    });
    expect(ids(body.participants)).toEqual(ids([owner, other]));
  });

  it("refuses unknown or inactive participants with 400 naming them, and makes no room", async () => {
    const owner = await makeUser();
    const gone = await makeUser({ isActive: false });
    const before = await snapshot();
    const answer = await call("POST", "/api/v1/rooms/", {
      token: owner.access,
      json: { title: "t", participants: [gone.id, 999_999] },
    });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields.participants).toContain("999999");
    expect(answer.body.fields.participants).toContain(String(gone.id));
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a blank, missing or too long title", async () => {
    const owner = await makeUser();
    for (const json of [{ title: "   " }, {}, { title: "x".repeat(256) }, { title: 5 }]) {
      const answer = await call("POST", "/api/v1/rooms/", { token: owner.access, json });
      expectError(answer, 400, "invalid");
      expect(answer.body.fields).toHaveProperty("title");
    }
  });
});

describe("GET /api/v1/rooms/", () => {
  it("lists only the caller's rooms, most recent activity first, each with only its latest message", async () => {
    const me = await makeUser();
    const other = await makeUser();
    const older = await makeRoom(me, [other], "older");
    const newer = await makeRoom(me, [other], "newer");
    await makeRoom(other, [], "not mine");
    await sendToRoom(other, older.id, "first");
    await sendToRoom(me, older.id, "latest");
    const { status, body } = await call("GET", "/api/v1/rooms/", { token: me.access });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["count", "next", "previous", "results"]);
    expect(body.results.map((r: { title: string }) => r.title)).toEqual(["older", "newer"]);
    expect(body.count).toBe(2);
    expect(body.results[0].messages).toEqual([
      {
        id: expect.any(Number),
        room: older.id,
        sender: me.id,
        timestamp: expect.any(String),
        content: "latest",
        edited_at: null,
        deleted: false,
      },
    ]);
    expect(body.results[0].last_activity).toBe(body.results[0].messages[0].timestamp);
    expect(body.results[1]).toMatchObject({ id: newer.id, messages: [] });
    expect(ids(body.results[1].participants)).toEqual(ids([me, other]));
  });

  it("pages with limit and offset", async () => {
    const me = await makeUser();
    for (let i = 0; i < 3; i++) await makeRoom(me, [], `r${i}`);
    const { body } = await call("GET", "/api/v1/rooms/?limit=2", { token: me.access });
    expect(body.count).toBe(3);
    expect(body.results).toHaveLength(2);
    expect(body.next).toBe(`${ORIGIN}/api/v1/rooms/?limit=2&offset=2`);
  });

  it("includes DMs", async () => {
    const me = await makeUser();
    const other = await makeUser();
    await sendToUser(other, me, "hi");
    const { body } = await call("GET", "/api/v1/rooms/", { token: me.access });
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({
      is_group: false,
      owner: null,
      title: `${other.username} - ${me.username}`,
    });
  });
});

describe("GET /api/v1/rooms/{id}/", () => {
  it("shows a participant the room with its latest 50 messages, oldest first", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member]);
    await seedMessages(
      room.id,
      owner.id,
      Array.from({ length: 51 }, (_, i) => `m${i + 1}`),
    );
    const { status, body } = await call("GET", `/api/v1/rooms/${room.id}/`, { token: member.access });
    expect(status).toBe(200);
    expect(body.messages).toHaveLength(50);
    expect(body.messages[0].content).toBe("m2");
    expect(body.messages.at(-1).content).toBe("m51");
  });

  it("refuses a non-participant with 403, even a superuser, and answers 404 for an unknown room", async () => {
    const owner = await makeUser();
    const outsider = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner);
    expectError(await call("GET", `/api/v1/rooms/${room.id}/`, { token: outsider.access }), 403, "permission_denied");
    expectError(await call("GET", `/api/v1/rooms/${room.id}/`, { token: admin.access }), 403, "permission_denied");
    expectError(await call("GET", "/api/v1/rooms/999999/", { token: owner.access }), 404, "not_found");
  });
});

describe("PATCH /api/v1/rooms/{id}/", () => {
  it("lets the owner and a superuser rename a group, and refuses other participants with 403", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner, [member], "before");
    const renamed = await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title: "after" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: room.id, title: "after" });
    expectError(
      await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: member.access, json: { title: "mine now" } }),
      403,
    );
    expect(
      (await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: admin.access, json: { title: "by admin" } })).body
        .title,
    ).toBe("by admin");
    expect((await call("GET", `/api/v1/rooms/${room.id}/`, { token: member.access })).body.title).toBe("by admin");
  });

  it("shows a superuser who renames a room they are not in none of its messages", async () => {
    const owner = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner);
    await sendToRoom(owner, room.id, "private");
    const renamed = await call("PATCH", `/api/v1/rooms/${room.id}/`, {
      token: admin.access,
      json: { title: "moderated" },
    });
    expect(renamed.body).toMatchObject({ title: "moderated", messages: [] });
    const seen = await call("PATCH", `/api/v1/rooms/${room.id}/`, {
      token: owner.access,
      json: { title: "mine again" },
    });
    expect(contents(seen.body.messages)).toEqual(["private"]);
  });

  it("refuses either participant deleting a DM, which would erase the other's history", async () => {
    const [a, b] = [await makeUser(), await makeUser()];
    const dm = await sendToUser(a, b, "keep this");
    expectError(await call("DELETE", `/api/v1/rooms/${dm.id}/`, { token: a.access }), 403, "permission_denied");
    expectError(await call("DELETE", `/api/v1/rooms/${dm.id}/`, { token: b.access }), 403, "permission_denied");
    expect((await call("GET", `/api/v1/rooms/${dm.id}/`, { token: b.access })).body.messages[0].content).toBe(
      "keep this",
    );
  });

  it("refuses renaming a DM with 400", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const dm = await sendToUser(a, b);
    const answer = await call("PATCH", `/api/v1/rooms/${dm.id}/`, { token: a.access, json: { title: "ours" } });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toHaveProperty("title");
  });
});

describe("DELETE /api/v1/rooms/{id}/", () => {
  it("lets the owner delete a room and its history: 204, then 404", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member]);
    await sendToRoom(member, room.id, "soon gone");
    expectError(await call("DELETE", `/api/v1/rooms/${room.id}/`, { token: member.access }), 403);
    const { status, body } = await call("DELETE", `/api/v1/rooms/${room.id}/`, { token: owner.access });
    expect(status).toBe(204);
    expect(body).toBeNull();
    expectError(await call("GET", `/api/v1/rooms/${room.id}/`, { token: owner.access }), 404);
    // The room's own store, where its history lived, is empty.
    expect((await roomObject(env, { id: room.id, jurisdiction: null }).history({ limit: 10 })).rows).toEqual([]);
  });

  it("lets a superuser who is not a participant delete a room", async () => {
    const owner = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner);
    expect((await call("DELETE", `/api/v1/rooms/${room.id}/`, { token: admin.access })).status).toBe(204);
  });
});

describe("GET /api/v1/rooms/{id}/messages/", () => {
  it("pages back with before= and forward with after=, saying whether more lie that way", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    for (let i = 1; i <= 7; i++) await sendToRoom(owner, room.id, `m${i}`);
    const url = `/api/v1/rooms/${room.id}/messages/`;

    const latest = await call("GET", `${url}?limit=3`, { token: owner.access });
    expect(latest.status).toBe(200);
    expect(Object.keys(latest.body).sort()).toEqual(["has_more", "messages"]);
    expect(contents(latest.body.messages)).toEqual(["m5", "m6", "m7"]);
    expect(latest.body.has_more).toBe(true);

    const older = await call("GET", `${url}?limit=3&before=${latest.body.messages[0].id}`, { token: owner.access });
    expect(contents(older.body.messages)).toEqual(["m2", "m3", "m4"]);
    expect(older.body.has_more).toBe(true);
    const oldest = await call("GET", `${url}?limit=3&before=${older.body.messages[0].id}`, { token: owner.access });
    expect(contents(oldest.body.messages)).toEqual(["m1"]);
    expect(oldest.body.has_more).toBe(false);

    const after = await call("GET", `${url}?after=${older.body.messages[2].id}&limit=2`, { token: owner.access });
    expect(contents(after.body.messages)).toEqual(["m5", "m6"]);
    expect(after.body.has_more).toBe(true);
    const caughtUp = await call("GET", `${url}?after=${latest.body.messages[2].id}`, { token: owner.access });
    expect(caughtUp.body).toEqual({ messages: [], has_more: false });
  });

  it("shows only this room's messages whatever ids are given", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    const other = await makeRoom(owner);
    await sendToRoom(owner, other.id, "elsewhere");
    await sendToRoom(owner, room.id, "here");
    const { body } = await call("GET", `/api/v1/rooms/${room.id}/messages/?after=1`, { token: owner.access });
    expect(contents(body.messages)).toEqual(["here"]);
  });

  it("refuses before and after together, and limits outside 1..100, with 400", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    for (const query of ["before=5&after=1", "limit=0", "limit=101", "limit=abc", "before=-3", "after=x"]) {
      expectError(
        await call("GET", `/api/v1/rooms/${room.id}/messages/?${query}`, { token: owner.access }),
        400,
        "invalid",
      );
    }
  });

  it("refuses a non-participant with 403", async () => {
    const owner = await makeUser();
    const outsider = await makeUser();
    const room = await makeRoom(owner);
    await sendToRoom(owner, room.id, "private");
    expectError(await call("GET", `/api/v1/rooms/${room.id}/messages/`, { token: outsider.access }), 403);
  });
});
