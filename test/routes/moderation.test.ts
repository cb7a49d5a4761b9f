/**
 * Moderation: a superuser removes anyone's message, in any room, live for everyone in it and
 * marked "removed by an administrator"; a deactivation ends every session, push subscription
 * and socket of the user; the audit list records both, for superusers only.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../core/db";
import { subscriptionsOf } from "../../core/db/push";
import { call, expectError, historyOf, makeRoom, makeUser, sendToRoom, snapshot } from "../support/api";
import { openInbox, openLiveRoom } from "../support/sockets";
import { makeSubscription } from "../support/web-push";

const lastMessage = (room: { messages: { id: number }[] }) => room.messages.at(-1)!;

async function subscribe(user: { access: string }) {
  const { id: _, privateKey: __, ...json } = await makeSubscription();
  const answer = await call("POST", "/api/v1/push/subscriptions/", { token: user.access, json });
  expect(answer.status, JSON.stringify(answer.body)).toBe(204);
}

describe("a superuser removing a message", () => {
  it("removes anyone's message in a room they are not in, live on every member's socket", async () => {
    const [owner, member, admin] = [await makeUser(), await makeUser(), await makeUser({ isSuperuser: true })];
    const room = await makeRoom(owner, [member]);
    const message = lastMessage(await sendToRoom(owner, room.id, "something to remove"));
    const watcher = await openLiveRoom(member.access, room.id);

    const answer = await call("DELETE", `/api/v1/messages/${message.id}/`, { token: admin.access });
    expect(answer.status, JSON.stringify(answer.body)).toBe(204);

    const frame = await watcher.nextOf("message_deleted");
    expect(frame.message).toMatchObject({ id: message.id, content: "", deleted: true, removed_by_admin: true });
    const [kept] = (await historyOf(member.access, room.id)).filter((m) => m.id === message.id);
    expect(kept).toMatchObject({ content: "", deleted: true, removed_by_admin: true });
    watcher.close();
  });

  it("leaves removed_by_admin absent when the sender deletes their own, superuser or not", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const member = await makeUser();
    const room = await makeRoom(admin, [member]);
    const message = lastMessage(await sendToRoom(admin, room.id, "my own"));
    expect((await call("DELETE", `/api/v1/messages/${message.id}/`, { token: admin.access })).status).toBe(204);
    const [kept] = (await historyOf(member.access, room.id)).filter((m) => m.id === message.id);
    expect(kept).toMatchObject({ deleted: true });
    expect(kept).not.toHaveProperty("removed_by_admin");
    const entries = (await call("GET", "/api/v1/audit/?limit=100", { token: admin.access })).body.results;
    expect(entries.filter((entry: { message?: number }) => entry.message === message.id)).toEqual([]);
  });

  it("refuses a member deleting someone else's message with 403, changing nothing", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const message = lastMessage(await sendToRoom(owner, room.id, "not yours"));
    const before = await snapshot();
    expectError(await call("DELETE", `/api/v1/messages/${message.id}/`, { token: member.access }), 403);
    expect(await snapshot()).toEqual(before);
    const [kept] = (await historyOf(owner.access, room.id)).filter((m) => m.id === message.id);
    expect(kept).toMatchObject({ content: "not yours", deleted: false });
  });

  it("answers 404 for a message that is gone already, and records it once", async () => {
    const [owner, admin] = [await makeUser(), await makeUser({ isSuperuser: true })];
    const room = await makeRoom(owner);
    const message = lastMessage(await sendToRoom(owner, room.id, "once"));
    expect((await call("DELETE", `/api/v1/messages/${message.id}/`, { token: admin.access })).status).toBe(204);
    expectError(await call("DELETE", `/api/v1/messages/${message.id}/`, { token: admin.access }), 404);
    const entries = (await call("GET", "/api/v1/audit/?limit=100", { token: admin.access })).body.results;
    expect(entries.filter((entry: { message?: number }) => entry.message === message.id)).toHaveLength(1);
  });

  it("is in the audit list, newest first: who, what, whose, where and when", async () => {
    const [owner, admin] = [await makeUser(), await makeUser({ isSuperuser: true })];
    const room = await makeRoom(owner);
    const first = lastMessage(await sendToRoom(owner, room.id, "first"));
    const second = lastMessage(await sendToRoom(owner, room.id, "second"));
    for (const message of [first, second])
      expect((await call("DELETE", `/api/v1/messages/${message.id}/`, { token: admin.access })).status).toBe(204);

    const answer = await call("GET", "/api/v1/audit/?limit=2", { token: admin.access });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      {
        id: expect.any(Number),
        action: "message_removed",
        actor: { id: admin.id, username: admin.username },
        target: { id: owner.id, username: owner.username },
        room: room.id,
        message: second.id,
        created_at: expect.any(String),
      },
      expect.objectContaining({ action: "message_removed", message: first.id }),
    ]);
    expect(answer.body.count).toBeGreaterThanOrEqual(2);
    const older = await call("GET", "/api/v1/audit/?limit=1&offset=1", { token: admin.access });
    expect(older.body.results[0].message).toBe(first.id);
  });
});

describe("deactivating a user", () => {
  it("revokes their refresh tokens and push subscriptions and closes their sockets", async () => {
    const [admin, user] = [await makeUser({ isSuperuser: true }), await makeUser()];
    const room = await makeRoom(user, [admin]);
    await subscribe(user);
    expect(await subscriptionsOf(database(env), user.id)).toHaveLength(1);
    const roomSocket = await openLiveRoom(user.access, room.id);
    const inbox = await openInbox(user.access);

    expect((await call("DELETE", `/api/v1/profiles/${user.id}/`, { token: admin.access })).status).toBe(204);

    expect((await roomSocket.closed).code).toBe(4001);
    expect((await inbox.closed).code).toBe(4001);
    expect(await subscriptionsOf(database(env), user.id)).toEqual([]);
    expectError(await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } }), 401);
  });

  it("through PATCH is_active false does the same, and both are in the audit list", async () => {
    const [admin, user] = [await makeUser({ isSuperuser: true }), await makeUser()];
    await subscribe(user);
    const answer = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: admin.access,
      json: { is_active: false },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(await subscriptionsOf(database(env), user.id)).toEqual([]);
    expectError(await call("POST", "/api/v1/refresh_token/", { json: { refresh: user.refresh } }), 401);

    // Deactivating them again is no new action.
    await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: admin.access, json: { is_active: false } });
    const entries = (await call("GET", "/api/v1/audit/?limit=100", { token: admin.access })).body.results;
    expect(entries.filter((entry: { target: { id: number } | null }) => entry.target?.id === user.id)).toEqual([
      {
        id: expect.any(Number),
        action: "user_deactivated",
        actor: { id: admin.id, username: admin.username },
        target: { id: user.id, username: user.username },
        created_at: expect.any(String),
      },
    ]);
  });
});

describe("the audit list", () => {
  it("is for superusers only: 403 for anyone else, 401 without a token", async () => {
    const user = await makeUser();
    expectError(await call("GET", "/api/v1/audit/", { token: user.access }), 403);
    expectError(await call("GET", "/api/v1/audit/"), 401);
  });

  it("refuses a bad page with 400", async () => {
    const admin = await makeUser({ isSuperuser: true });
    expectError(await call("GET", "/api/v1/audit/?limit=0", { token: admin.access }), 400);
    expectError(await call("GET", "/api/v1/audit/?offset=-1", { token: admin.access }), 400);
  });
});
