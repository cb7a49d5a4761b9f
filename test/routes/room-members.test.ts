import { describe, expect, it } from "vitest";
import { call, expectError, makeRoom, makeUser, sendToRoom, sendToUser, snapshot } from "../support/api";

const ids = (people: { id: number }[]) => people.map((p) => p.id).sort((a, b) => a - b);

describe("POST /api/v1/rooms/{id}/members/", () => {
  it("lets any participant add people, who then see the room and can post", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const newcomer = await makeUser();
    const room = await makeRoom(owner, [member]);
    const { status, body } = await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: member.access,
      json: { participants: [newcomer.id, member.id] },
    });
    expect(status).toBe(200);
    expect(ids(body.participants)).toEqual(ids([owner, member, newcomer]));
    expect(
      (await call("GET", "/api/v1/rooms/", { token: newcomer.access })).body.results.map((r: { id: number }) => r.id),
    ).toEqual([room.id]);
    await sendToRoom(newcomer, room.id, "hello all");
  });

  it("refuses outsiders with 403, DMs and unknown users with 400, and an empty list with 400", async () => {
    const owner = await makeUser();
    const outsider = await makeUser();
    const room = await makeRoom(owner);
    const dm = await sendToUser(owner, outsider);
    const before = await snapshot();
    expectError(
      await call("POST", `/api/v1/rooms/${room.id}/members/`, {
        token: outsider.access,
        json: { participants: [outsider.id] },
      }),
      403,
    );
    expectError(
      await call("POST", `/api/v1/rooms/${dm.id}/members/`, {
        token: owner.access,
        json: { participants: [(await makeUser()).id] },
      }),
      400,
    );
    const unknown = await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: owner.access,
      json: { participants: [999_999] },
    });
    expect(unknown.body.fields.participants).toContain("999999");
    expectError(
      await call("POST", `/api/v1/rooms/${room.id}/members/`, { token: owner.access, json: { participants: [] } }),
      400,
    );
    expectError(
      await call("POST", "/api/v1/rooms/999999/members/", {
        token: owner.access,
        json: { participants: [outsider.id] },
      }),
      404,
    );
    const after = await snapshot();
    // The one user made above is the only change.
    expect(after[0]).not.toEqual(before[0]);
    expect(after.slice(1)).toEqual(before.slice(1));
  });
});

describe("DELETE /api/v1/rooms/{id}/members/{user_id}/", () => {
  it("lets the owner remove a participant, who can then no longer read or post", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member]);
    expect(
      (await call("DELETE", `/api/v1/rooms/${room.id}/members/${member.id}/`, { token: owner.access })).status,
    ).toBe(204);
    expectError(await call("GET", `/api/v1/rooms/${room.id}/`, { token: member.access }), 403);
    expectError(
      await call("POST", "/api/v1/send_message_to_room/", {
        token: member.access,
        json: { group_id: room.id, message: "x" },
      }),
      403,
    );
  });

  it("refuses a participant removing someone else with 403, but lets them remove themselves", async () => {
    const owner = await makeUser();
    const a = await makeUser();
    const b = await makeUser();
    const room = await makeRoom(owner, [a, b]);
    expectError(await call("DELETE", `/api/v1/rooms/${room.id}/members/${b.id}/`, { token: a.access }), 403);
    expectError(await call("DELETE", `/api/v1/rooms/${room.id}/members/${owner.id}/`, { token: a.access }), 403);
    expect((await call("DELETE", `/api/v1/rooms/${room.id}/members/${a.id}/`, { token: a.access })).status).toBe(204);
    const { body } = await call("GET", `/api/v1/rooms/${room.id}/`, { token: owner.access });
    expect(ids(body.participants)).toEqual(ids([owner, b]));
  });

  it("lets a superuser remove anyone, answers 404 for someone not in the room, and 400 in a DM", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const stranger = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner, [member]);
    expect(
      (await call("DELETE", `/api/v1/rooms/${room.id}/members/${member.id}/`, { token: admin.access })).status,
    ).toBe(204);
    expectError(await call("DELETE", `/api/v1/rooms/${room.id}/members/${stranger.id}/`, { token: owner.access }), 404);
    const dm = await sendToUser(owner, stranger);
    expectError(await call("DELETE", `/api/v1/rooms/${dm.id}/members/${stranger.id}/`, { token: owner.access }), 400);
    expectError(await call("DELETE", `/api/v1/rooms/${dm.id}/members/${owner.id}/`, { token: owner.access }), 400);
  });
});

describe("POST /api/v1/rooms/{id}/leave/", () => {
  it("takes the caller out of a group; an owner who leaves hands ownership to the longest-standing member", async () => {
    const owner = await makeUser();
    const first = await makeUser();
    const room = await makeRoom(owner, [first]);
    const later = await makeUser();
    await call("POST", `/api/v1/rooms/${room.id}/members/`, {
      token: owner.access,
      json: { participants: [later.id] },
    });
    expect((await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: owner.access })).status).toBe(204);
    expectError(await call("GET", `/api/v1/rooms/${room.id}/`, { token: owner.access }), 403);
    const after = await call("GET", `/api/v1/rooms/${room.id}/`, { token: later.access });
    expect(after.body).toMatchObject({ created_by: owner.id, owner: first.id });
    const listed = await call("GET", "/api/v1/rooms/", { token: later.access });
    expect(listed.body.results.find((r: { id: number }) => r.id === room.id)).toMatchObject({ owner: first.id });
    expect(
      (await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: first.access, json: { title: "mine" } })).status,
    ).toBe(200);
    expectError(await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: later.access, json: { title: "no" } }), 403);
  });

  it("deletes a room its last participant leaves", async () => {
    const owner = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await makeRoom(owner);
    expect((await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: owner.access })).status).toBe(204);
    expectError(await call("DELETE", `/api/v1/rooms/${room.id}/`, { token: admin.access }), 404);
  });

  it("refuses leaving a DM with 400, a room you are not in with 403, an unknown room with 404", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const dm = await sendToUser(a, b);
    const room = await makeRoom(a);
    expectError(await call("POST", `/api/v1/rooms/${dm.id}/leave/`, { token: a.access }), 400);
    expectError(await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: b.access }), 403);
    expectError(await call("POST", "/api/v1/rooms/999999/leave/", { token: a.access }), 404);
  });
});
