/**
 * A room's object when things fail under it: D1 failing before the room has ids (the sender
 * is told, nobody else sees a message that was not taken, a retry with the same client id is
 * stored once) and after (sends go on, and D1 gets them when it is back), and the object
 * evicted while messages stream (nothing acknowledged is lost or repeated).
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SEND_BURST } from "../../core/protocol";
import { COPY_BACKLOG, type Room, roomObject } from "../../durable/room";
import { call, expectError, historyOf, makeRoom, makeUser } from "../support/api";
import { d1Failure, failingD1 } from "../support/failing-bindings";
import { openLiveRoom, openRoom } from "../support/sockets";

/** D1 failing every batch (a copy of messages is one), while single statements go through. */
function failingBatches(real: D1Database): D1Database {
  return new Proxy(real, {
    get(target, property) {
      if (property === "batch") return async () => Promise.reject(d1Failure());
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Makes the room's object see D1 fail every call (or as `failing` makes it) until `restore` is called. */
async function breakStorage(
  roomId: number,
  failing: (real: D1Database) => D1Database = (real) => failingD1(real, { calls: "all" }),
): Promise<{ restore(): Promise<void> }> {
  const stub = roomObject(env, roomId);
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

/** The ids and texts of a room's messages in D1 itself, oldest first. */
async function inD1(roomId: number) {
  const { results } = await env.DB.prepare("SELECT id, content FROM messages WHERE room_id = ? ORDER BY id")
    .bind(roomId)
    .all();
  return results;
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
  it("goes on taking messages, in history at once, and copies them to D1 when it is back", async () => {
    const [sender, watcher] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [watcher]);
    const mine = await openLiveRoom(sender.access, room.id);
    const theirs = await openLiveRoom(watcher.access, room.id);
    mine.send({ type: "send", client_id: "first", content: "before" });
    const acked = [(await mine.nextOf("ack")).message.id];
    // A read mark waits for D1 to have every message.
    mine.send({ type: "read", up_to: acked[0] });
    await mine.nextOf("read");

    const storage = await breakStorage(room.id);
    for (const text of ["during 1", "during 2", "during 3"]) {
      mine.send({ type: "send", client_id: text, content: text });
      acked.push((await mine.nextOf("ack")).message.id);
    }
    const seen = [];
    for (let i = 0; i < acked.length; i++) seen.push((await theirs.nextOf("message")).message.id);
    expect(seen).toEqual(acked);
    expect(await inD1(room.id)).toEqual([{ id: acked[0], content: "before" }]);

    await storage.restore();
    expect((await historyOf(sender.access, room.id)).map((m) => m.id)).toEqual(acked);
    // The failed copy left the next try to the alarm.
    expect(await runDurableObjectAlarm(roomObject(env, room.id))).toBe(true);
    expect(await inD1(room.id)).toEqual(
      ["before", "during 1", "during 2", "during 3"].map((content, i) => ({ id: acked[i], content })),
    );
  });

  it("copies what D1 did not have when the object stopped, once it runs again", async () => {
    const [sender, watcher] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [watcher]);
    const mine = await openLiveRoom(sender.access, room.id);
    mine.send({ type: "send", client_id: "first", content: "before" });
    await mine.nextOf("ack");
    await breakStorage(room.id);
    mine.send({ type: "send", client_id: "second", content: "not in D1 yet" });
    const { message } = await mine.nextOf("ack");
    expect((await inD1(room.id)).map((row) => row.id)).not.toContain(message.id);

    // The object starts again with D1 working (a deploy, a crash): the message is still
    // there, in history, and reaches D1.
    await evictDurableObject(roomObject(env, room.id));
    expect((await historyOf(watcher.access, room.id)).map((m) => m.content)).toEqual(["before", "not in D1 yet"]);
    // A read mark waits for D1 to have every message.
    mine.send({ type: "read", up_to: message.id });
    expect(await mine.nextOf("read")).toMatchObject({ up_to: message.id });
    expect((await inD1(room.id)).map((row) => row.content)).toEqual(["before", "not in D1 yet"]);
  });

  it(`holds at most ${COPY_BACKLOG} messages for D1, then refuses sends until D1 has them`, async () => {
    const [sender, watcher] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [watcher]);
    const mine = await openLiveRoom(sender.access, room.id);
    mine.send({ type: "send", client_id: "first", content: "before" });
    const { message } = await mine.nextOf("ack");
    mine.send({ type: "read", up_to: message.id });
    await mine.nextOf("read");
    // Many people, each within their own send allowance, fill the backlog.
    const people = COPY_BACKLOG / SEND_BURST;
    const { results } = await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO users (username, password, date_joined) SELECT 'bulk' || i || ?1, '!', '2026-01-01' FROM n RETURNING id`,
    )
      .bind(`_${room.id}`, people)
      .all<{ id: number }>();
    const stub = roomObject(env, room.id);
    // Copies fail; ids (a single statement) can still be had, so only the backlog stops sends.
    const storage = await breakStorage(room.id, failingBatches);
    const posted = await Promise.all(
      results.flatMap(({ id }) =>
        Array.from({ length: SEND_BURST }, (_, i) => stub.receive({ senderId: id, content: `from ${id}, #${i}` })),
      ),
    );
    expect(posted.filter((result) => result.ok)).toHaveLength(COPY_BACKLOG);
    mine.send({ type: "send", client_id: "one too many", content: "refused" });
    expect(await mine.nextOf("error")).toMatchObject({ code: "unavailable", client_id: "one too many" });

    await storage.restore();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE room_id = ?")
      .bind(room.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(COPY_BACKLOG + 1);
    mine.send({ type: "send", client_id: "one too many", content: "taken now" });
    expect((await mine.nextOf("ack")).message.content).toBe("taken now");
  }, 30_000);

  it("keeps the socket open: an edit, a read and a catch-up that fail are each answered, and work once D1 is back", async () => {
    const [sender, other] = [await makeUser(), await makeUser()];
    const room = await makeRoom(sender, [other]);
    const socket = await openLiveRoom(sender.access, room.id);
    socket.send({ type: "send", client_id: "a", content: "first" });
    const { message } = await socket.nextOf("ack");

    const storage = await breakStorage(room.id);
    for (const frame of [
      { type: "edit", id: message.id, content: "changed" },
      { type: "read", up_to: message.id },
      { type: "resume", after: 0 },
    ]) {
      socket.send(frame);
      expect((await socket.nextOf("error")).code, frame.type).toBe("unavailable");
    }
    await storage.restore();
    socket.send({ type: "edit", id: message.id, content: "changed" });
    expect((await socket.nextOf("message_edited")).message.content).toBe("changed");
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
        await evictDurableObject(roomObject(env, room.id));
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
