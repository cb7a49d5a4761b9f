/**
 * Web Push end to end: subscriptions through the API, messages sent as a user sends them,
 * and a real push service on loopback (test/support/push-service.global.ts) that takes the
 * pushes, which the test decrypts with the subscription's private key as a browser would.
 * Absence of a push is checked after a push to someone else from the same message arrived:
 * both were decided by inboxes told at the same time.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { database } from "../../core/db";
import { subscriptionsOf } from "../../core/db/push";
import { inboxObject, messagesJson } from "../../durable/inbox";
import { PUSH_GAP_MS } from "../../durable/inbox-push";
import { call, expectError, historyOf, makeRoom, makeUser, sendToRoom, sendToUser, snapshot } from "../support/api";
import { openInbox, openLiveRoom } from "../support/sockets";
import { decrypt, expectVapid, makeSubscription, pushesTo, type TestSubscription } from "../support/web-push";

/** How long a push that should not come is waited for, once the one that should has come. */
const NONE_WITHIN_MS = 1500;

async function subscribed(user: { access: string }, kind?: "ok" | "gone" | "fail" | "slow") {
  const subscription = await makeSubscription(kind);
  const { id: _, privateKey: __, ...json } = subscription;
  const answer = await call("POST", "/api/v1/push/subscriptions/", { token: user.access, json });
  expect(answer.status, JSON.stringify(answer.body)).toBe(204);
  return subscription;
}

const nonePushedTo = async (subscription: TestSubscription) =>
  expect(await pushesTo(subscription, 1, NONE_WITHIN_MS)).toEqual([]);

const setLevel = async (user: { access: string }, roomId: number, json: unknown) => {
  const answer = await call("PATCH", `/api/v1/rooms/${roomId}/membership/`, { token: user.access, json });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

describe("the push key", () => {
  it("is the server's VAPID public key", async () => {
    const user = await makeUser();
    const answer = await call("GET", "/api/v1/push/key/", { token: user.access });
    expect(answer.body).toEqual({ key: env.VAPID_PUBLIC_KEY });
  });
});

// Each test waits up to 8 s for a push (pushesTo) and 1.5 s for an absence: the default
// 5 s was shorter than the waits it allows.
describe("pushes for new messages", { timeout: 20_000 }, () => {
  it("a DM reaches the receiver's browser, encrypted for it, with the room, sender and a preview", async () => {
    const sender = await makeUser({ firstName: "Ana", lastName: "Lima" });
    const receiver = await makeUser();
    const subscription = await subscribed(receiver);
    const room = await sendToUser(sender, receiver, `hello there ${"x".repeat(200)}`);
    const [push] = await pushesTo(subscription);
    await expectVapid(push, env.VAPID_PUBLIC_KEY, subscription.endpoint);
    const payload = await decrypt(subscription, push);
    const [message] = await historyOf(receiver.access, room.id);
    expect(payload).toEqual({
      room: room.id,
      title: room.title,
      sender_name: "Ana Lima",
      preview: expect.stringMatching(/^hello there x+…$/),
      message: message.id,
      url: `/rooms/${room.id}/messages/${message.id}`,
    });
    expect(payload.preview).toHaveLength(120);
  });

  it("goes to no sender and to no one with the app open; the others get theirs", async () => {
    const sender = await makeUser();
    const away = await makeUser();
    const watching = await makeUser();
    const room = await makeRoom(sender, [away, watching]);
    await setLevel(away, room.id, { notify: "everything" });
    await setLevel(watching, room.id, { notify: "everything" });
    const [senders, aways, watchers] = [await subscribed(sender), await subscribed(away), await subscribed(watching)];
    const tab = await openInbox(watching.access);
    await tab.nextOf("unread");
    await sendToRoom(sender, room.id, "for everyone");
    expect(await decrypt(aways, (await pushesTo(aways))[0])).toMatchObject({ preview: "for everyone" });
    await tab.nextOf("room_message");
    await Promise.all([nonePushedTo(senders), nonePushedTo(watchers)]);
    tab.close();
  });

  it("goes to no member watching the room over its socket alone (an API client, no app tab)", async () => {
    const sender = await makeUser();
    const away = await makeUser();
    const watching = await makeUser();
    const room = await makeRoom(sender, [away, watching]);
    await setLevel(away, room.id, { notify: "everything" });
    await setLevel(watching, room.id, { notify: "everything" });
    const [aways, watchers] = [await subscribed(away), await subscribed(watching)];
    const socket = await openLiveRoom(watching.access, room.id);
    await sendToRoom(sender, room.id, "seen on the socket");
    expect((await socket.nextOf("message")).message.content).toBe("seen on the socket");
    expect(await pushesTo(aways)).toHaveLength(1);
    await nonePushedTo(watchers);
    socket.close();
    await socket.closed;
    await sendToRoom(sender, room.id, "after the socket closed");
    expect(await decrypt(watchers, (await pushesTo(watchers))[0])).toMatchObject({
      preview: "after the socket closed",
    });
  });

  it("a room read on one device tells each browser pushed of it to close its notifications, once", async () => {
    const sender = await makeUser();
    const receiver = await makeUser();
    const [phone, laptop] = [await subscribed(receiver), await subscribed(receiver)];
    const room = await sendToUser(sender, receiver, "are you there?");
    expect(await pushesTo(phone)).toHaveLength(1);
    const [message] = await historyOf(receiver.access, room.id);
    const socket = await openLiveRoom(receiver.access, room.id);
    socket.send({ type: "read", up_to: message.id });
    await socket.nextOf("read");
    for (const browser of [phone, laptop]) {
      const pushes = await pushesTo(browser, 2);
      expect(pushes).toHaveLength(2);
      expect(await decrypt(browser, pushes[1])).toEqual({ type: "read", room: room.id });
      // The same topic as the room's message push, which it replaces if still waiting.
      expect(pushes[1].headers.topic).toBe(pushes[0].headers.topic);
    }
    // A message seen on the socket is not pushed, so reading it sends no push either.
    const later = (await sendToUser(sender, receiver, "still here")).messages.at(-1);
    socket.send({ type: "read", up_to: later.id });
    await socket.nextOf("read");
    socket.close();
    expect(await pushesTo(phone, 3, NONE_WITHIN_MS)).toHaveLength(2);
  });

  it("follows the level: a group is mentions-only by default, 'nothing' is silent, 'everything' hears all", async () => {
    const sender = await makeUser();
    const byDefault = await makeUser();
    const silent = await makeUser();
    const everything = await makeUser();
    const room = await makeRoom(sender, [byDefault, silent, everything]);
    expect(await setLevel(silent, room.id, { notify: "nothing" })).toEqual({
      room: room.id,
      notify: "nothing",
      notify_chosen: true,
      hidden: false,
    });
    await setLevel(everything, room.id, { notify: "everything" });
    const [a, b, c] = [await subscribed(byDefault), await subscribed(silent), await subscribed(everything)];
    await sendToRoom(sender, room.id, "no one mentioned");
    expect(await pushesTo(c)).toHaveLength(1);
    await Promise.all([nonePushedTo(a), nonePushedTo(b)]);
  });

  it("'mentions' hears a message that mentions the member, and a mention brings a hidden room back", async () => {
    const sender = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(sender, [member]);
    await setLevel(member, room.id, { hidden: true });
    const listed = async () =>
      (await call("GET", "/api/v1/rooms/", { token: member.access })).body.results.map((r: { id: number }) => r.id);
    expect(await listed()).not.toContain(room.id);
    const subscription = await subscribed(member);
    // As the room tells the inbox of a message once messages carry `mentions` (issue 15).
    const message = {
      id: 1_000_000 + room.id,
      room: room.id,
      sender: sender.id,
      timestamp: new Date().toISOString(),
      content: `@${member.username} look`,
      edited_at: null,
      deleted: false,
      mentions: [member.id],
    };
    await inboxObject(env, member.id).roomMessages(messagesJson([message]), room.title, false, 0);
    expect(await decrypt(subscription, (await pushesTo(subscription))[0])).toMatchObject({ message: message.id });
    await vi.waitFor(async () => expect(await listed()).toContain(room.id));
  });

  it("a burst in a room is one push of its latest message after the gap, not one a message", async () => {
    const sender = await makeUser();
    const receiver = await makeUser();
    const subscription = await subscribed(receiver);
    const room = await sendToUser(sender, receiver, "first");
    const message = (n: number) => ({
      id: 2_000_000 + room.id * 10 + n,
      room: room.id,
      sender: sender.id,
      timestamp: new Date().toISOString(),
      content: `burst ${n}`,
      edited_at: null,
      deleted: false,
    });
    expect(await pushesTo(subscription)).toHaveLength(1);
    // As the room tells the inbox of three more batches in quick succession.
    for (const n of [1, 2, 3])
      await inboxObject(env, receiver.id).roomMessages(messagesJson([message(n)]), room.title, false, 0);
    const pushes = await pushesTo(subscription, 4, PUSH_GAP_MS + NONE_WITHIN_MS);
    const previews = await Promise.all(pushes.map(async (push) => (await decrypt(subscription, push)).preview));
    // ["first", "burst 3"]; on a machine slow enough for the gap to pass before the burst, "burst 1" between.
    expect(previews.length).toBeLessThan(4);
    expect(previews.at(0)).toBe("first");
    expect(previews.at(-1)).toBe("burst 3");
  });

  it("is silent during do-not-disturb, and not after it", async () => {
    const sender = await makeUser();
    const resting = await makeUser();
    const control = await makeUser();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const me = await call("PATCH", `/api/v1/profiles/${resting.id}/`, {
      token: resting.access,
      json: { dnd_until: until },
    });
    expect(me.body.dnd_until).toBe(until);
    expect((await call("GET", "/api/v1/profiles/me/", { token: resting.access })).body.dnd_until).toBe(until);
    const [rests, controls] = [await subscribed(resting), await subscribed(control)];
    const room = await makeRoom(sender, [resting, control]);
    await setLevel(resting, room.id, { notify: "everything" });
    await setLevel(control, room.id, { notify: "everything" });
    await sendToRoom(sender, room.id, "quiet please");
    expect(await pushesTo(controls)).toHaveLength(1);
    await nonePushedTo(rests);
    await call("PATCH", `/api/v1/profiles/${resting.id}/`, { token: resting.access, json: { dnd_until: null } });
    await sendToRoom(sender, room.id, "awake?");
    expect(await decrypt(rests, (await pushesTo(rests))[0])).toMatchObject({ preview: "awake?" });
  });

  it("a 410 from the push service removes the subscription", async () => {
    const sender = await makeUser();
    const receiver = await makeUser();
    await subscribed(receiver, "gone");
    expect(await subscriptionsOf(database(env), receiver.id)).toHaveLength(1);
    await sendToUser(sender, receiver);
    await vi.waitFor(async () => expect(await subscriptionsOf(database(env), receiver.id)).toEqual([]), {
      timeout: 8000,
    });
  });

  it("a slow push service delays no message, and a failing one is tried again, a bounded number of times", async () => {
    const sender = await makeUser();
    const slowOne = await makeUser();
    const failingOne = await makeUser();
    const slow = await subscribed(slowOne, "slow");
    const failing = await subscribed(failingOne, "fail");
    const room = await makeRoom(sender, [slowOne, failingOne]);
    await setLevel(slowOne, room.id, { notify: "everything" });
    await setLevel(failingOne, room.id, { notify: "everything" });
    const started = Date.now();
    await sendToRoom(sender, room.id, "first");
    await pushesTo(slow);
    await sendToRoom(sender, room.id, "second");
    // Well under the push timeout of 5 s the sender is answered, both times.
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await historyOf(sender.access, room.id)).map((m) => m.content)).toEqual(["first", "second"]);
    // A first try and a retry after 2 s by the inbox's alarm (the third comes after 10 s more).
    expect(await pushesTo(failing, 2)).toHaveLength(2);
  });
});

describe("subscriptions", () => {
  it("refuse an endpoint that is not https, or an IP address, or keys that are not P-256", async () => {
    const user = await makeUser();
    const good = await makeSubscription();
    const keys = good.keys;
    const before = await snapshot();
    for (const [json, field] of [
      [{ endpoint: "http://push.example.com/x", keys }, "endpoint"],
      [{ endpoint: "https://10.0.0.1/x", keys }, "endpoint"],
      [{ endpoint: `https://push.example.com/${"x".repeat(1100)}`, keys }, "endpoint"],
      [{ endpoint: "https://push.example.com/x", keys: { ...keys, p256dh: "abc" } }, "keys.p256dh"],
      [{ endpoint: "https://push.example.com/x", keys: { ...keys, auth: keys.p256dh } }, "keys.auth"],
    ] as const) {
      const answer = await call("POST", "/api/v1/push/subscriptions/", { token: user.access, json });
      expectError(answer, 400, "invalid");
      expect(Object.keys(answer.body.fields ?? {})).toContain(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("are one per browser: subscribing again moves it to whoever signed in; DELETE removes one's own only", async () => {
    const first = await makeUser();
    const second = await makeUser();
    const subscription = await subscribed(first);
    const { id: _, privateKey: __, ...json } = subscription;
    await call("POST", "/api/v1/push/subscriptions/", { token: second.access, json });
    expect(await subscriptionsOf(database(env), first.id)).toEqual([]);
    const body = { endpoint: subscription.endpoint };
    expectError(await call("DELETE", "/api/v1/push/subscriptions/", { token: first.access, json: body }), 404);
    const removed = await call("DELETE", "/api/v1/push/subscriptions/", { token: second.access, json: body });
    expect(removed.status).toBe(204);
    expect(await subscriptionsOf(database(env), second.id)).toEqual([]);
  });

  it("go when the user is deactivated", async () => {
    const user = await makeUser();
    await subscribed(user);
    expect((await call("DELETE", `/api/v1/profiles/${user.id}/`, { token: user.access })).status).toBe(204);
    expect(await subscriptionsOf(database(env), user.id)).toEqual([]);
  });

  it("the test notification reaches each of the caller's browsers", async () => {
    const user = await makeUser();
    const subscription = await subscribed(user);
    const answer = await call("POST", "/api/v1/push/test/", { token: user.access });
    expect(answer.body).toEqual({ sent: 1 });
    expect(await decrypt(subscription, (await pushesTo(subscription))[0])).toMatchObject({ url: "/" });
  });
});

describe("membership", () => {
  it("lists the rooms I hid with hidden=true, and only those; unhiding brings one back to the list", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const [kept, hid] = [await makeRoom(owner, [member]), await makeRoom(owner, [member])];
    await setLevel(member, hid.id, { hidden: true, notify: "nothing" });
    const list = async (query: string) =>
      (await call("GET", `/api/v1/rooms/${query}`, { token: member.access })).body.results.map(
        (r: { id: number; hidden: boolean; notify: string }) => [r.id, r.hidden, r.notify],
      );
    expect(await list("?hidden=true")).toEqual([[hid.id, true, "nothing"]]);
    expect(await list("")).toEqual([[kept.id, false, "mentions"]]);
    expect(await list("?hidden=false")).toEqual([[kept.id, false, "mentions"]]);
    expectError(await call("GET", "/api/v1/rooms/?hidden=yes", { token: member.access }), 400, "invalid");
    await setLevel(member, hid.id, { hidden: false });
    expect(await list("?hidden=true")).toEqual([]);
    expect((await list("")).map(([id]: [number]) => id).sort()).toEqual([kept.id, hid.id].sort());
  });

  it("answers the default by room kind, refuses a bad level, and is only a member's to change", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const outsider = await makeUser();
    const room = await makeRoom(owner, [member]);
    const dm = await sendToUser(owner, member);
    expect(await setLevel(member, room.id, {})).toMatchObject({ notify: "mentions", notify_chosen: false });
    expect(await setLevel(member, dm.id, {})).toMatchObject({ notify: "everything", notify_chosen: false });
    const list = (await call("GET", "/api/v1/rooms/", { token: member.access })).body.results;
    expect(list.find((r: { id: number }) => r.id === dm.id)).toMatchObject({ notify: "everything", hidden: false });
    const before = await snapshot();
    const path = `/api/v1/rooms/${room.id}/membership/`;
    expectError(await call("PATCH", path, { token: member.access, json: { notify: "loud" } }), 400, "invalid");
    expectError(await call("PATCH", path, { token: member.access, json: { hidden: "yes" } }), 400, "invalid");
    expectError(await call("PATCH", path, { token: outsider.access, json: { notify: "nothing" } }), 403);
    expect(await snapshot()).toEqual(before);
    expect(await setLevel(member, room.id, { notify: null })).toMatchObject({
      notify: "mentions",
      notify_chosen: false,
    });
  });
});
