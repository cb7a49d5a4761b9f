/**
 * Open rooms: made open, listed to those not in them with member counts, joined by anyone
 * (once, however often asked), closed and reopened by who manages them; closed rooms and
 * DMs are never revealed or opened.
 */
import { describe, expect, it } from "vitest";
import { call, expectError, makeRoom, makeUser, sendToUser, snapshot } from "../support/api";
import { openLiveRoom } from "../support/sockets";

async function openRoom(owner: { access: string }, title = "open room", members: { id: number }[] = []) {
  const answer = await call("POST", "/api/v1/rooms/", {
    token: owner.access,
    json: { title, participants: members.map((m) => m.id), open: true },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

const openList = async (user: { access: string }, query = "") =>
  (await call("GET", `/api/v1/rooms/open/${query}`, { token: user.access })).body;

describe("open rooms", () => {
  it("are made with open: true and say so; rooms are closed unless asked", async () => {
    const owner = await makeUser();
    expect(await openRoom(owner)).toMatchObject({ open: true, default: false, is_group: true });
    expect(await makeRoom(owner)).toMatchObject({ open: false, default: false });
  });

  it("are listed to someone not in them with their member counts, closed ones never", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const stranger = await makeUser();
    const busy = await openRoom(owner, "busy", [member]);
    const quiet = await openRoom(owner, "quiet");
    const closed = await makeRoom(owner, [], "secret");
    const list = await openList(stranger);
    const ids = list.results.map((room: { id: number }) => room.id);
    expect(ids).toEqual(expect.arrayContaining([busy.id, quiet.id]));
    expect(ids).not.toContain(closed.id);
    expect(list.results.find((room: { id: number }) => room.id === busy.id)).toEqual({
      id: busy.id,
      title: "busy",
      timestamp: expect.any(String),
      member_count: 2,
    });
    expect((await openList(owner)).results.map((room: { id: number }) => room.id)).not.toContain(busy.id);
  });

  it("are paged like the other lists", async () => {
    const owner = await makeUser();
    const reader = await makeUser();
    for (const title of ["p1", "p2", "p3"]) await openRoom(owner, title);
    const first = await openList(reader, "?limit=2");
    expect(first.results).toHaveLength(2);
    expect(first.next).toContain("offset=2");
    expect(first.count).toBeGreaterThanOrEqual(3);
  });

  it("are joined by anyone, once, and the room's sockets hear of it", async () => {
    const owner = await makeUser();
    const joiner = await makeUser();
    const room = await openRoom(owner);
    const socket = await openLiveRoom(owner.access, room.id);
    const joined = await call("POST", `/api/v1/rooms/${room.id}/join/`, { token: joiner.access });
    expect(joined.status).toBe(200);
    expect(joined.body.participants.map((p: { id: number }) => p.id)).toEqual([owner.id, joiner.id]);
    expect((await socket.nextOf("member_joined")).user).toMatchObject({ id: joiner.id });
    const again = await call("POST", `/api/v1/rooms/${room.id}/join/`, { token: joiner.access });
    expect(again.body.participants).toHaveLength(2);
    expect((await openList(joiner)).results.map((r: { id: number }) => r.id)).not.toContain(room.id);
    socket.close();
  });

  it("answers 404 to joining a closed room or none, exactly as for a room that does not exist", async () => {
    const owner = await makeUser();
    const stranger = await makeUser();
    const closed = await makeRoom(owner);
    const before = await snapshot();
    const refused = await call("POST", `/api/v1/rooms/${closed.id}/join/`, { token: stranger.access });
    const missing = await call("POST", "/api/v1/rooms/999999/join/", { token: stranger.access });
    expectError(refused, 404, "not_found");
    expect(refused.body).toEqual(missing.body);
    expect(await snapshot()).toEqual(before);
  });

  it("are closed and reopened by their owner or a superuser, and by no one else", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const stranger = await makeUser();
    const room = await openRoom(owner, "toggled", [member]);
    const patch = (who: { access: string }, open: boolean) =>
      call("PATCH", `/api/v1/rooms/${room.id}/`, { token: who.access, json: { open } });
    expectError(await patch(member, false), 403);
    expect((await patch(owner, false)).body).toMatchObject({ open: false, title: "toggled" });
    expectError(await call("POST", `/api/v1/rooms/${room.id}/join/`, { token: stranger.access }), 404);
    expect((await patch(admin, true)).body).toMatchObject({ open: true, messages: [] });
    expect((await call("POST", `/api/v1/rooms/${room.id}/join/`, { token: stranger.access })).status).toBe(200);
  });

  it("are made default by a superuser only, and people created after that join them", async () => {
    const owner = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const room = await openRoom(owner, "lobby");
    const patch = (who: { access: string }, json: object) =>
      call("PATCH", `/api/v1/rooms/${room.id}/`, { token: who.access, json });
    const before = await snapshot();
    expectError(await patch(owner, { default: true, title: "renamed" }), 403);
    expect(await snapshot()).toEqual(before);
    expect((await patch(admin, { default: true })).body).toMatchObject({ default: true, open: true, title: "lobby" });

    const password = "newcomer-pass-1";
    const created = await call("POST", "/api/v1/profiles/", {
      token: admin.access,
      json: { username: "newcomer", password, first_name: "New", last_name: "Comer", email: "new@example.com" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { access } = (await call("POST", "/api/v1/access_token/", { json: { username: "newcomer", password } })).body;
    const rooms = (await call("GET", "/api/v1/rooms/", { token: access })).body.results;
    expect(rooms.map((r: { id: number }) => r.id)).toContain(room.id);
    expect((await patch(admin, { default: false })).body).toMatchObject({ default: false });
  });

  it("never include a DM, which cannot be opened", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const dm = await sendToUser(a, b);
    const admin = await makeUser({ isSuperuser: true });
    const before = await snapshot();
    const answer = await call("PATCH", `/api/v1/rooms/${dm.id}/`, { token: a.access, json: { open: true } });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toEqual({ open: expect.any(String) });
    const made = await call("PATCH", `/api/v1/rooms/${dm.id}/`, { token: admin.access, json: { default: true } });
    expectError(made, 400, "invalid");
    expect(made.body.fields).toEqual({ default: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });
});
