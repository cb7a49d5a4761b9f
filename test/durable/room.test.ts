import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_FRAME_LENGTH, PING, PONG, SEND_BURST } from "../../core/protocol";
import { MAX_SOCKETS_PER_USER, type Room, roomObject } from "../../durable/room";
import { call, historyOf, makeRoom, makeUser, sendToRoom } from "../support/api";
import { openLiveRoom, openRoom, openSocket, upgrade } from "../support/sockets";

async function roomWith(count: number) {
  const people = await Promise.all(Array.from({ length: count }, () => makeUser()));
  const room = await makeRoom(people[0], people.slice(1));
  return { people, room };
}

describe("opening a room socket", () => {
  it("refuses a non-member with 403 before any socket opens", async () => {
    const { room } = await roomWith(2);
    const stranger = await makeUser();
    const answer = await upgrade(`/api/v1/rooms/${room.id}/socket/`, stranger.access);
    expect(answer.status).toBe(403);
    expect(answer.webSocket).toBeNull();
  });

  it("refuses a missing or bad token with 401", async () => {
    const { room } = await roomWith(1);
    expect((await upgrade(`/api/v1/rooms/${room.id}/socket/`)).status).toBe(401);
    expect((await upgrade(`/api/v1/rooms/${room.id}/socket/`, "not.a.token")).status).toBe(401);
  });

  it("refuses a refresh token in place of an access token", async () => {
    const { people, room } = await roomWith(1);
    expect((await upgrade(`/api/v1/rooms/${room.id}/socket/`, people[0].refresh)).status).toBe(401);
  });

  it("answers 404 for an unknown room, 400 for a bad id or cursor, 426 without an upgrade", async () => {
    const { people, room } = await roomWith(1);
    expect((await upgrade("/api/v1/rooms/999999/socket/", people[0].access)).status).toBe(404);
    expect((await upgrade("/api/v1/rooms/abc/socket/", people[0].access)).status).toBe(400);
    expect((await upgrade(`/api/v1/rooms/${room.id}/socket/?after=-1`, people[0].access)).status).toBe(400);
    const plain = await call("GET", `/api/v1/rooms/${room.id}/socket/`, { token: people[0].access });
    expect(plain.status).toBe(426);
  });

  it("welcomes the socket with who it is and the read position of everyone who has read", async () => {
    const { people, room } = await roomWith(2);
    const reader = await openLiveRoom(people[0].access, room.id);
    reader.send({ type: "send", client_id: "a", content: "read me" });
    const { message } = await reader.nextOf("ack");
    reader.send({ type: "read", up_to: message.id });
    await reader.nextOf("read");
    const socket = await openRoom(people[1].access, room.id);
    const welcome = await socket.nextOf("welcome");
    expect(welcome).toMatchObject({ room: room.id, you: people[1].id });
    expect(welcome.reads).toEqual({ [people[0].id]: message.id });
  });

  it("refuses a socket past the per-person limit with 429, and takes one again after a close", async () => {
    const { people, room } = await roomWith(1);
    const open = [];
    for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) open.push(await openLiveRoom(people[0].access, room.id));
    const refused = await upgrade(`/api/v1/rooms/${room.id}/socket/`, people[0].access);
    expect(refused.status).toBe(429);
    expect((await refused.json()) as object).toMatchObject({ code: "throttled" });
    open[0].close();
    await open[0].closed;
    await openLiveRoom(people[0].access, room.id);
  });

  it("answers pings with pongs", async () => {
    const { people, room } = await roomWith(1);
    const socket = await openLiveRoom(people[0].access, room.id);
    socket.send(PING);
    expect(await socket.nextOf("pong")).toEqual(JSON.parse(PONG));
  });
});

describe("messages in a room", () => {
  it("reach every socket exactly once, in one order equal to history", async () => {
    const { people, room } = await roomWith(3);
    const sockets = await Promise.all(people.map((person) => openLiveRoom(person.access, room.id)));
    for (const [p, socket] of sockets.entries()) {
      for (const i of [0, 1, 2]) socket.send({ type: "send", client_id: `c-${p}-${i}`, content: `from ${p}, #${i}` });
    }
    const expected = 9;
    const received = await Promise.all(
      sockets.map(async (socket) => {
        const ids: number[] = [];
        while (ids.length < expected) ids.push((await socket.nextOf("message")).message.id);
        return ids;
      }),
    );
    const stored = (await historyOf(people[0].access, room.id)).map((m) => m.id);
    expect(stored).toHaveLength(expected);
    for (const ids of received) expect(ids).toEqual(stored);
    for (const socket of sockets) expect(socket.pending().filter((f) => f.type === "message")).toEqual([]);
  });

  it("sends messages taken together as one frame, in history's order", async () => {
    const { people, room } = await roomWith(2);
    const watcher = await openLiveRoom(people[1].access, room.id);
    // Sends that reach a new room in one turn all wait for its first ids, then are taken together.
    const texts = Array.from({ length: SEND_BURST }, (_, i) => `burst ${i}`);
    await runInDurableObject(roomObject(env, { id: room.id, jurisdiction: null }), (object: Room) =>
      Promise.all(texts.map((content, i) => object.receive({ senderId: people[0].id, content, clientId: `b${i}` }))),
    );
    const seen = [];
    for (let i = 0; i < texts.length; i++) seen.push((await watcher.nextOf("message")).message);
    expect(seen.map((m) => m.content)).toEqual(texts);
    expect(seen.map((m) => m.id)).toEqual((await historyOf(people[0].access, room.id)).map((m) => m.id));
    const carriers = watcher.received().filter((frame) => frame.type === "message" || frame.type === "messages");
    expect(carriers.map((frame) => frame.type)).toEqual(["messages"]);
  });

  it("acknowledges a send with the stored message, which history then holds", async () => {
    const { people, room } = await roomWith(1);
    const socket = await openLiveRoom(people[0].access, room.id);
    socket.send({ type: "send", client_id: "one", content: "hello there" });
    const ack = await socket.nextOf("ack");
    expect(ack).toMatchObject({
      client_id: "one",
      message: { sender: people[0].id, room: room.id, content: "hello there" },
    });
    expect((await historyOf(people[0].access, room.id)).map((m) => m.id)).toEqual([ack.message.id]);
  });

  it("delivers messages sent over REST to open sockets", async () => {
    const { people, room } = await roomWith(2);
    const socket = await openLiveRoom(people[1].access, room.id);
    await sendToRoom(people[0], room.id, "over rest");
    expect((await socket.nextOf("message")).message).toMatchObject({ content: "over rest", sender: people[0].id });
  });

  it("stores and broadcasts a retried client id once", async () => {
    const { people, room } = await roomWith(2);
    const sender = await openLiveRoom(people[0].access, room.id);
    const watcher = await openLiveRoom(people[1].access, room.id);
    sender.send({ type: "send", client_id: "retry-me", content: "once" });
    sender.send({ type: "send", client_id: "retry-me", content: "once" });
    const first = await sender.nextOf("ack");
    const second = await sender.nextOf("ack");
    expect(second.message.id).toBe(first.message.id);
    sender.send({ type: "send", client_id: "after", content: "next" });
    await watcher.nextOf("message");
    expect((await watcher.nextOf("message")).message.content).toBe("next");
    expect((await historyOf(people[0].access, room.id)).map((m) => m.content)).toEqual(["once", "next"]);
  });

  it("keeps messages and sockets across the object being evicted", async () => {
    const { people, room } = await roomWith(2);
    const sender = await openLiveRoom(people[0].access, room.id);
    const watcher = await openLiveRoom(people[1].access, room.id);
    sender.send({ type: "send", client_id: "before", content: "before eviction" });
    await watcher.nextOf("message");
    await evictDurableObject(roomObject(env, { id: room.id, jurisdiction: null }));
    sender.send({ type: "send", client_id: "after", content: "after eviction" });
    expect((await watcher.nextOf("message")).message.content).toBe("after eviction");
    expect((await historyOf(people[0].access, room.id)).map((m) => m.content)).toEqual([
      "before eviction",
      "after eviction",
    ]);
  });
});

describe("catching up", () => {
  it("gives a reconnecting socket exactly what it missed, then goes live", async () => {
    const { people, room } = await roomWith(2);
    const first = await openLiveRoom(people[1].access, room.id);
    await sendToRoom(people[0], room.id, "seen");
    const seen = (await first.nextOf("message")).message.id;
    first.close();
    await first.closed;
    for (const text of ["missed 1", "missed 2", "missed 3"]) await sendToRoom(people[0], room.id, text);

    const again = await openRoom(people[1].access, room.id, seen);
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await again.nextOf("message")).message.content);
    expect(missed).toEqual(["missed 1", "missed 2", "missed 3"]);
    const caughtUp = await again.next();
    expect(caughtUp).toMatchObject({ type: "caught_up", has_more: false });
    await sendToRoom(people[0], room.id, "live again");
    expect((await again.nextOf("message")).message.content).toBe("live again");
    expect(again.pending().filter((f) => f.type === "message")).toEqual([]);
  });

  it("tells a reconnecting socket what changed on messages it had: reactions, edits and deletes, once each", async () => {
    const { people, room } = await roomWith(2);
    for (const text of ["one", "two", "three"]) await sendToRoom(people[0], room.id, text);
    const [one, two, three] = await historyOf(people[1].access, room.id);
    const first = await openLiveRoom(people[1].access, room.id, three.id);
    // The count the client gives back comes from its last caught_up.
    const { changes } = first.received().find((f) => f.type === "caught_up");
    first.close();
    await first.closed;
    const react = (emoji: string, who = people[0]) =>
      call("PUT", `/api/v1/messages/${one.id}/reactions/${encodeURIComponent(emoji)}/`, { token: who.access });
    expect((await react("👍")).status).toBe(200);
    expect((await react("🎉", people[1])).status).toBe(200);
    expect(
      (await call("PATCH", `/api/v1/messages/${two.id}/`, { token: people[0].access, json: { content: "2" } })).status,
    ).toBe(200);
    expect((await call("DELETE", `/api/v1/messages/${three.id}/`, { token: people[0].access })).status).toBeLessThan(
      300,
    );

    const again = await openSocket(
      `/api/v1/rooms/${room.id}/socket/?after=${three.id}&changes=${changes}`,
      people[1].access,
    );
    const frames = [];
    let caughtUp = await again.next();
    for (; caughtUp.type !== "caught_up"; caughtUp = await again.next())
      if (caughtUp.type !== "welcome" && caughtUp.type !== "here") frames.push(caughtUp);
    expect(frames.map((f) => [f.type, f.message.id])).toEqual([
      ["message_edited", one.id],
      ["message_edited", two.id],
      ["message_deleted", three.id],
    ]);
    expect(frames[0].message.reactions.map((r: { emoji: string }) => r.emoji)).toEqual(["👍", "🎉"]);
    expect(frames[1].message.content).toBe("2");
    expect(caughtUp.changes).toBeGreaterThan(changes);

    const third = await openSocket(
      `/api/v1/rooms/${room.id}/socket/?after=${three.id}&changes=${caughtUp.changes}`,
      people[1].access,
    );
    await third.nextOf("caught_up");
    expect(third.pending().filter((f) => f.type === "message_edited" || f.type === "message_deleted")).toEqual([]);
    expect((await upgrade(`/api/v1/rooms/${room.id}/socket/?after=1&changes=x`, people[1].access)).status).toBe(400);
    expect((await upgrade(`/api/v1/rooms/${room.id}/socket/?changes=1`, people[1].access)).status).toBe(400);
  });

  it("resumes on an open socket without repeating or skipping", async () => {
    const { people, room } = await roomWith(1);
    for (const text of ["a", "b", "c"]) await sendToRoom(people[0], room.id, text);
    const stored = await historyOf(people[0].access, room.id);
    const socket = await openLiveRoom(people[0].access, room.id);
    socket.send({ type: "resume", after: stored[0].id });
    expect((await socket.nextOf("message")).message.content).toBe("b");
    expect((await socket.nextOf("message")).message.content).toBe("c");
    expect(await socket.next()).toMatchObject({ type: "caught_up", last_id: stored[2].id });
  });
});

describe("bad frames and limits", () => {
  it("answers a frame that is not JSON with an error and keeps the socket", async () => {
    const { people, room } = await roomWith(1);
    const socket = await openLiveRoom(people[0].access, room.id);
    socket.send("{nope");
    expect(await socket.nextOf("error")).toMatchObject({ code: "bad_frame" });
    socket.send({ type: "shout", content: "x" });
    expect(await socket.nextOf("error")).toMatchObject({ code: "invalid" });
    socket.send({ type: "send", client_id: "ok", content: "still here" });
    expect((await socket.nextOf("ack")).message.content).toBe("still here");
  });

  it("refuses an oversized frame, a blank message and an overlong one", async () => {
    const { people, room } = await roomWith(1);
    const socket = await openLiveRoom(people[0].access, room.id);
    socket.send({ type: "send", client_id: "big", content: "x".repeat(MAX_FRAME_LENGTH) });
    expect(await socket.nextOf("error")).toMatchObject({ code: "too_large" });
    socket.send({ type: "send", client_id: "blank", content: "   " });
    expect(await socket.nextOf("error")).toMatchObject({ code: "invalid" });
    socket.send({ type: "send", client_id: "long", content: "y".repeat(4001) });
    expect(await socket.nextOf("error")).toMatchObject({ code: "invalid" });
    expect(await historyOf(people[0].access, room.id)).toEqual([]);
  });

  it("answers a sender over the rate with an error frame and keeps the socket", async () => {
    const { people, room } = await roomWith(1);
    const socket = await openLiveRoom(people[0].access, room.id);
    for (let i = 0; i <= SEND_BURST; i++) socket.send({ type: "send", client_id: `burst-${i}`, content: `#${i}` });
    const limited = await socket.nextOf("error");
    expect(limited).toMatchObject({ code: "throttled", client_id: `burst-${SEND_BURST}` });
    socket.send(PING);
    expect(await socket.nextOf("pong")).toBeTruthy();
    expect(await historyOf(people[0].access, room.id)).toHaveLength(SEND_BURST);
  });
});

describe("typing", () => {
  it("shows others that someone is typing, and lapses on its own", async () => {
    const { people, room } = await roomWith(2);
    const typist = await openLiveRoom(people[0].access, room.id);
    const watcher = await openLiveRoom(people[1].access, room.id);
    typist.send({ type: "typing" });
    expect(await watcher.nextOf("typing")).toEqual({ type: "typing", user: people[0].id, typing: true });
    const stub = roomObject(env, { id: room.id, jurisdiction: null });
    // Jump past the lapse instead of waiting for it.
    await runInDurableObject(stub, async (_room: Room, state) => {
      await state.storage.put("typing", { [people[0].id]: Date.now() - 1 });
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await watcher.nextOf("typing")).toEqual({ type: "typing", user: people[0].id, typing: false });
  });

  it("stops when the typist sends", async () => {
    const { people, room } = await roomWith(2);
    const typist = await openLiveRoom(people[0].access, room.id);
    const watcher = await openLiveRoom(people[1].access, room.id);
    typist.send({ type: "typing" });
    await watcher.nextOf("typing");
    typist.send({ type: "send", client_id: "m", content: "done typing" });
    expect(await watcher.nextOf("typing")).toMatchObject({ typing: false });
  });
});

describe("read positions and unread counts", () => {
  it("counts others' unread messages per room and clears them when read", async () => {
    const { people, room } = await roomWith(2);
    for (const text of ["one", "two", "three"]) await sendToRoom(people[0], room.id, text);
    const unreadOf = async (token: string) =>
      (await call("GET", "/api/v1/rooms/", { token })).body.results.find((r: { id: number }) => r.id === room.id)
        .unread_count;
    expect(await unreadOf(people[1].access)).toBe(3);
    expect(await unreadOf(people[0].access)).toBe(0);

    const writer = await openLiveRoom(people[0].access, room.id);
    const reader = await openLiveRoom(people[1].access, room.id);
    const stored = await historyOf(people[1].access, room.id);
    reader.send({ type: "read", up_to: stored[1].id });
    expect(await writer.nextOf("read")).toEqual({ type: "read", user: people[1].id, up_to: stored[1].id });
    expect(await unreadOf(people[1].access)).toBe(1);
    // Reading an older message never un-reads a newer one.
    reader.send({ type: "read", up_to: stored[0].id });
    reader.send({ type: "read", up_to: stored[2].id });
    expect(await writer.nextOf("read")).toMatchObject({ up_to: stored[2].id });
    expect(await unreadOf(people[1].access)).toBe(0);
  });
});

describe("edit and delete", () => {
  it("propagates an edit and a delete live, and keeps both in history", async () => {
    const { people, room } = await roomWith(2);
    const author = await openLiveRoom(people[0].access, room.id);
    const watcher = await openLiveRoom(people[1].access, room.id);
    author.send({ type: "send", client_id: "e", content: "typo" });
    const { message } = await author.nextOf("ack");
    author.send({ type: "edit", id: message.id, content: "fixed" });
    expect((await watcher.nextOf("message_edited")).message).toMatchObject({ id: message.id, content: "fixed" });
    author.send({ type: "delete", id: message.id });
    expect((await watcher.nextOf("message_deleted")).message).toMatchObject({
      id: message.id,
      content: "",
      deleted: true,
    });
    const [stored] = await historyOf(people[1].access, room.id);
    expect(stored).toMatchObject({ id: message.id, content: "", deleted: true });
    expect((stored as unknown as { edited_at: string | null }).edited_at).not.toBeNull();
  });

  it("refuses to change someone else's message, over the socket and over REST", async () => {
    const { people, room } = await roomWith(2);
    const posted = await sendToRoom(people[0], room.id, "mine");
    const id = posted.messages.at(-1).id;
    const other = await openLiveRoom(people[1].access, room.id);
    other.send({ type: "edit", id, content: "yours now" });
    expect(await other.nextOf("error")).toMatchObject({ code: "permission_denied" });
    expect(
      (await call("PATCH", `/api/v1/messages/${id}/`, { token: people[1].access, json: { content: "x" } })).status,
    ).toBe(403);
    expect((await call("DELETE", `/api/v1/messages/${id}/`, { token: people[1].access })).status).toBe(403);
    expect((await historyOf(people[0].access, room.id))[0].content).toBe("mine");
  });

  it("edits and deletes over REST, live for sockets", async () => {
    const { people, room } = await roomWith(2);
    const posted = await sendToRoom(people[0], room.id, "draft");
    const id = posted.messages.at(-1).id;
    const watcher = await openLiveRoom(people[1].access, room.id);
    const edited = await call("PATCH", `/api/v1/messages/${id}/`, {
      token: people[0].access,
      json: { content: "final" },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id, content: "final", deleted: false });
    expect((await watcher.nextOf("message_edited")).message.content).toBe("final");
    expect((await call("DELETE", `/api/v1/messages/${id}/`, { token: people[0].access })).status).toBe(204);
    expect((await watcher.nextOf("message_deleted")).message.id).toBe(id);
  });

  it("edits and deletes over REST a message acknowledged over a socket a moment ago", async () => {
    const { people, room } = await roomWith(2);
    const sender = await openLiveRoom(people[0].access, room.id);
    sender.send({ type: "send", client_id: "just-now", content: "typo" });
    const { id } = (await sender.nextOf("ack")).message;
    const edited = await call("PATCH", `/api/v1/messages/${id}/`, {
      token: people[0].access,
      json: { content: "fixed" },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id, content: "fixed" });
    sender.send({ type: "send", client_id: "gone-soon", content: "oops" });
    const second = (await sender.nextOf("ack")).message.id;
    expect((await call("DELETE", `/api/v1/messages/${second}/`, { token: people[0].access })).status).toBe(204);
    expect((await call("DELETE", `/api/v1/messages/${second}/`, { token: people[1].access })).status).toBe(404);
  });

  it("shows the room list's preview as edited, then as deleted", async () => {
    const { people, room } = await roomWith(1);
    const posted = await sendToRoom(people[0], room.id, "first take");
    const id = posted.messages.at(-1).id;
    const preview = async () =>
      (await call("GET", "/api/v1/rooms/", { token: people[0].access })).body.results[0].messages[0];
    await call("PATCH", `/api/v1/messages/${id}/`, { token: people[0].access, json: { content: "second take" } });
    expect(await preview()).toMatchObject({
      id,
      content: "second take",
      edited_at: expect.any(String),
      deleted: false,
    });
    await call("DELETE", `/api/v1/messages/${id}/`, { token: people[0].access });
    expect(await preview()).toMatchObject({ id, content: "", deleted: true });
  });

  it("hides a message from people outside its room", async () => {
    const { people, room } = await roomWith(1);
    const posted = await sendToRoom(people[0], room.id, "private");
    const stranger = await makeUser();
    const id = posted.messages.at(-1).id;
    expect(
      (await call("PATCH", `/api/v1/messages/${id}/`, { token: stranger.access, json: { content: "x" } })).status,
    ).toBe(404);
  });
});
