/**
 * A room's object when things fail under it: D1 failing before the room has ids (the sender
 * is told, nobody else sees a message that was not taken, a retry with the same client id is
 * stored once) and after (the room goes on: it needs D1 only for its next block of ids), and
 * the object evicted while messages stream (nothing acknowledged is lost or repeated).
 */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SEND_BURST } from "../../core/protocol";
import { type Room, roomObject } from "../../durable/room";
import { call, expectError, historyOf, makeRoom, makeUser } from "../support/api";
import { failingD1 } from "../support/failing-bindings";
import { openLiveRoom, openRoom } from "../support/sockets";

/** Makes the room's object see D1 fail every call (or as `failing` makes it) until `restore` is called. */
async function breakStorage(
  roomId: number,
  failing: (real: D1Database) => D1Database = (real) => failingD1(real, { calls: "all" }),
): Promise<{ restore(): Promise<void> }> {
  const stub = roomObject(env, { id: roomId, jurisdiction: null });
  await runInDurableObject(stub, (room: Room) => {
    const own = room as unknown as { env: Env };
    own.env = { ...own.env, DB: failing(own.env.DB) };
  });
  return {
    restore: () =>
      runInDurableObject(stub, (room: Room) => {
        const own = room as unknown as { env: Env };
        own.env = { ...own.env, DB: env.DB };
      }),
  };
}

describe("a room whose D1 fails before its first message has an id", () => {
  it("tells the sender 'unavailable' with their client id, broadcasts nothing, and stores a retry once", async () => {
    const [sender, watcher] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [watcher]);
    const mine = await openLiveRoom(sender.access, room.id);
    const theirs = await openLiveRoom(watcher.access, room.id);

    const storage = await breakStorage(room.id);
    mine.send({ type: "send", client_id: "retry-me", content: "through a failure" });
    expect(await mine.nextOf("error")).toMatchObject({ code: "unavailable", client_id: "retry-me" });
    await storage.restore();
    expect(await historyOf(sender.access, room.id)).toEqual([]);

    mine.send({ type: "send", client_id: "retry-me", content: "through a failure" });
    const ack = await mine.nextOf("ack");
    expect(ack).toMatchObject({ client_id: "retry-me", message: { content: "through a failure" } });
    const seen = await theirs.nextOf("message");
    expect(seen.message.id).toBe(ack.message.id);
    expect(theirs.pending().filter((frame) => frame.type === "message")).toEqual([]);
    expect((await historyOf(sender.access, room.id)).map((m) => m.content)).toEqual(["through a failure"]);
  });

  it("answers a REST send 503 in the one error shape, storing nothing", async () => {
    const [sender, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [other]);
    const storage = await breakStorage(room.id);
    const answer = await call("POST", "/api/v1/send_message_to_room/", {
      token: sender.access,
      json: { group_id: room.id, message: "lost?" },
    });
    await storage.restore();
    expectError(answer, 503, "unavailable");
    expect(await historyOf(sender.access, room.id)).toEqual([]);
  });
});

describe("a room whose D1 fails once it has ids", () => {
  it("goes on taking, editing, reading and catching up: none of it needs D1", async () => {
    const [sender, watcher] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [watcher]);
    const mine = await openLiveRoom(sender.access, room.id);
    const theirs = await openLiveRoom(watcher.access, room.id);
    mine.send({ type: "send", client_id: "first", content: "before" });
    const acked = [(await mine.nextOf("ack")).message.id];

    const storage = await breakStorage(room.id);
    for (const text of ["during 1", "during 2", "during 3"]) {
      mine.send({ type: "send", client_id: text, content: text });
      acked.push((await mine.nextOf("ack")).message.id);
    }
    const seen = [];
    for (let i = 0; i < acked.length; i++) seen.push((await theirs.nextOf("message")).message.id);
    expect(seen).toEqual(acked);
    mine.send({ type: "edit", id: acked[1], content: "changed" });
    expect((await theirs.nextOf("message_edited")).message).toMatchObject({ id: acked[1], content: "changed" });
    theirs.send({ type: "read", up_to: acked[3] });
    expect(await mine.nextOf("read")).toMatchObject({ user: watcher.id, up_to: acked[3] });
    theirs.send({ type: "resume", after: acked[1] });
    expect((await theirs.nextOf("caught_up")).last_id).toBe(acked[3]);
    await storage.restore();
    expect((await historyOf(sender.access, room.id)).map((m) => m.content)).toEqual([
      "before",
      "changed",
      "during 2",
      "during 3",
    ]);
  });
});

describe("a room evicted while messages stream", () => {
  it("loses and repeats nothing: a live watcher and one reconnecting after each see history exactly", async () => {
    const [sender, watcher, late] = [await makeUser(), await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [watcher, late]);
    const mine = await openLiveRoom(sender.access, room.id);
    const theirs = await openLiveRoom(watcher.access, room.id);
    const lateSocket = await openLiveRoom(late.access, room.id);

    const acked: number[] = [];
    let lateSeen = 0;
    for (let i = 0; i < SEND_BURST; i++) {
      mine.send({ type: "send", client_id: `m${i}`, content: `message ${i}` });
      acked.push((await mine.nextOf("ack")).message.id);
      if (i === 3) {
        // One reader drops its socket before the eviction, to come back after it.
        lateSeen = acked.at(-1)!;
        lateSocket.close();
        await evictDurableObject(roomObject(env, { id: room.id, jurisdiction: null }));
      }
    }
    const stored = (await historyOf(sender.access, room.id)).map((m) => m.id);
    expect(stored).toEqual(acked);

    const live_ = [];
    for (let i = 0; i < SEND_BURST; i++) live_.push((await theirs.nextOf("message")).message.id);
    expect(live_).toEqual(stored);

    const back = await openRoom(late.access, room.id, lateSeen);
    const caughtUp: number[] = [];
    for (;;) {
      const frame = await back.next((f) => f.type === "message" || f.type === "caught_up");
      if (frame.type === "caught_up") break;
      caughtUp.push(frame.message.id);
    }
    expect(caughtUp).toEqual(stored.filter((id) => id > lateSeen));
  });
});

describe("a socket that opens while messages are being stored", () => {
  it("gets each message once and in order: what is stored during its catch-up comes after caught_up, never twice", async () => {
    const people = await Promise.all(Array.from({ length: SEND_BURST }, () => makeUser()));
    const room = await makeRoom(people[0], people.slice(1));
    const watcher = people[1];
    // Sends in flight while the socket opens: some are stored before its catch-up reads, some after.
    const sends = people.map((person, i) =>
      call("POST", "/api/v1/send_message_to_room/", {
        token: person.access,
        json: { group_id: room.id, message: `m${i}` },
      }),
    );
    const socket = await openRoom(watcher.access, room.id, 0);
    await Promise.all(sends);
    const stored = (await historyOf(watcher.access, room.id)).map((m) => m.id);
    const received: (number | "caught_up")[] = [];
    while (!received.includes(stored.at(-1)!) || !received.includes("caught_up")) {
      const frame = await socket.next((f) => f.type === "message" || f.type === "caught_up");
      received.push(frame.type === "caught_up" ? "caught_up" : frame.message.id);
    }
    expect(received.filter((entry) => entry !== "caught_up")).toEqual(stored);
    expect(received.filter((entry) => entry === "caught_up")).toHaveLength(1);
  });
});
