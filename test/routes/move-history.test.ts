/**
 * The move of D1's history into the rooms, step by step through POST /api/admin/history/move
 * as `npm run manage -- move-history` takes it: D1 holds the history of an installation from
 * before the rooms kept their own (test/support/d1-history.ts), the rooms' stores what they
 * held then. The steps share this file's D1, so they run in order.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../core/db";
import { messageRoom } from "../../core/db/messages";
import { addMembers, createGroupRoom } from "../../core/db/rooms";
import { roomObject } from "../../durable/room";
import { call, expectError, makeUser } from "../support/api";
import { d1HistoryLeft, putD1Messages, putD1Read } from "../support/d1-history";

const TOKEN = "an-admin-token-for-the-tests-0123456789";
const asAdmin = { settings: { ADMIN_TOKEN: TOKEN }, headers: { authorization: `Bearer ${TOKEN}` } };
const db = () => database(env);

const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();

/** Moves step by step, `limit` messages a step, until nothing is left; answers every step. */
async function moveAll(limit: number) {
  const steps: any[] = [];
  let readsFrom = 0;
  for (;;) {
    const answer = await call("POST", "/api/admin/history/move", {
      ...asAdmin,
      json: { limit, reads_from: readsFrom },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    steps.push(answer.body);
    if (answer.body.step === "done") return steps;
    if (answer.body.step === "reads") readsFrom = answer.body.room;
  }
}

const everything = async (roomId: number) =>
  (await roomObject(env, { id: roomId, jurisdiction: null }).exportMessages({ after: 0, limit: 1000 })).messages.map(
    (m) => [m.id, m.sender_id, m.content, m.edited_at, m.deleted_at],
  );

const readsOf = (roomId: number) =>
  runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) =>
    state.storage.sql.exec("SELECT user_id, last_read_id FROM reads ORDER BY user_id").toArray(),
  );

const blocks = async () =>
  (await env.DB.prepare("SELECT first_id, end_id, room_id FROM message_blocks ORDER BY first_id").all()).results;

describe("moving D1's history into the rooms", async () => {
  const ann = await makeUser();
  const ben = await makeUser();
  const a = await createGroupRoom(db(), "a", ann.id, []);
  const b = await createGroupRoom(db(), "b", ann.id, []);
  await addMembers(db(), a.id, [ben.id]);
  // Room a's ids 200 to 215 came in a recorded block; the rest before blocks were recorded, interleaved with b's.
  await env.DB.prepare("INSERT INTO message_blocks (first_id, end_id, room_id) VALUES (200, 216, ?)").bind(a.id).run();
  await putD1Messages(a.id, [
    { id: 101, sender: ann.id, content: "one", created_at: at(1) },
    { id: 103, sender: ben.id, content: "three, edited", created_at: at(3), edited_at: at(30) },
    { id: 104, sender: ann.id, content: "four", created_at: at(4), client_id: "c-104" },
    { id: 107, sender: ben.id, content: "seven", created_at: at(7) },
    { id: 200, sender: ann.id, content: "two hundred", created_at: at(20), client_id: "c-200" },
    { id: 201, sender: ben.id, content: "", created_at: at(21), deleted_at: at(40) },
  ]);
  await putD1Messages(b.id, [
    { id: 102, sender: ann.id, content: "b two", created_at: at(2) },
    { id: 105, sender: ann.id, content: "b five", created_at: at(5) },
    { id: 106, sender: ann.id, content: "b six", created_at: at(6) },
  ]);
  await putD1Read(a.id, ann.id, 107);
  await putD1Read(a.id, ben.id, 104);
  await putD1Read(b.id, ann.id, 106);
  // What room a's store held: the texts D1 had taken are NULL; 202 had not reached D1; ben had read further.
  await runInDurableObject(roomObject(env, { id: a.id, jurisdiction: null }), (_room, state) => {
    const { sql } = state.storage;
    sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (104, ?, 'c-104', ?, NULL)",
      ann.id,
      at(4),
    );
    sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (200, ?, 'c-200', ?, NULL)",
      ann.id,
      at(20),
    );
    sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (201, ?, NULL, ?, NULL)",
      ben.id,
      at(21),
    );
    sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (202, ?, 'c-202', ?, 'only here')",
      ann.id,
      at(22),
    );
    sql.exec("INSERT INTO reads (user_id, last_read_id) VALUES (?, 202)", ben.id);
  });
  const roomA = [
    [101, ann.id, "one", null, null],
    [103, ben.id, "three, edited", at(30), null],
    [104, ann.id, "four", null, null],
    [107, ben.id, "seven", null, null],
    [200, ann.id, "two hundred", null, null],
    [201, ben.id, "", null, at(40)],
    [202, ann.id, "only here", null, null],
  ];
  const roomB = [
    [102, ann.id, "b two", null, null],
    [105, ann.id, "b five", null, null],
    [106, ann.id, "b six", null, null],
  ];

  it("moves room by room, a batch a step, then the read positions, and says when it is done", async () => {
    expect(await moveAll(3)).toEqual([
      { step: "messages", room: a.id, moved: 3, first_id: 101, last_id: 104, room_done: false },
      { step: "messages", room: a.id, moved: 3, first_id: 107, last_id: 201, room_done: true },
      { step: "messages", room: b.id, moved: 3, first_id: 102, last_id: 106, room_done: true },
      { step: "reads", room: a.id, moved: 2 },
      { step: "reads", room: b.id, moved: 1 },
      { step: "done" },
    ]);
    expect(await d1HistoryLeft()).toEqual({ messages: [], reads: [] });
  });

  it("gives each room every message once, the texts only D1 had included, and keeps what the room had", async () => {
    expect(await everything(a.id)).toEqual(roomA);
    expect(await everything(b.id)).toEqual(roomB);
    expect(await readsOf(a.id)).toEqual([
      { user_id: ann.id, last_read_id: 107 },
      { user_id: ben.id, last_read_id: 202 },
    ]);
    expect(await readsOf(b.id)).toEqual([{ user_id: ann.id, last_read_id: 106 }]);
  });

  it("records a block for each run of ids no block covered, so every id still finds its room", async () => {
    expect(await blocks()).toEqual([
      { first_id: 101, end_id: 102, room_id: a.id },
      { first_id: 102, end_id: 103, room_id: b.id },
      { first_id: 103, end_id: 105, room_id: a.id },
      { first_id: 105, end_id: 107, room_id: b.id },
      { first_id: 107, end_id: 108, room_id: a.id },
      { first_id: 200, end_id: 216, room_id: a.id },
    ]);
    for (const [id] of roomA) expect(await messageRoom(db(), id as number), `message ${id}`).toBe(a.id);
    for (const [id] of roomB) expect(await messageRoom(db(), id as number), `message ${id}`).toBe(b.id);
  });

  it("finds nothing to do a second time, and changes nothing", async () => {
    const before = await blocks();
    expect(await moveAll(3)).toEqual([{ step: "done" }]);
    expect(await blocks()).toEqual(before);
    expect(await everything(a.id)).toEqual(roomA);
    expect(await everything(b.id)).toEqual(roomB);
  });

  it("keeps in D1 a batch its room cannot hold whole, and says which room", async () => {
    const c = await createGroupRoom(db(), "c", ann.id, []);
    await putD1Messages(c.id, [
      { id: 301, sender: ann.id, content: "fine" },
      { id: 302, sender: ann.id, content: "a second message under one client id", client_id: "dup" },
    ]);
    await runInDurableObject(roomObject(env, { id: c.id, jurisdiction: null }), (_room, state) => {
      state.storage.sql.exec(
        "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (300, ?, 'dup', ?, 'first')",
        ann.id,
        at(0),
      );
    });
    const answer = await call("POST", "/api/admin/history/move", { ...asAdmin, json: {} });
    expectError(answer, 409, "conflict");
    expect(answer.body.error).toBe(`Room ${c.id} holds 1 of the 2 messages sent to it; D1 keeps them all.`);
    expect((await d1HistoryLeft()).messages.map((m) => m.id)).toEqual([301, 302]);
    expect(await messageRoom(db(), 301)).toBeUndefined();
    await env.DB.prepare("DELETE FROM messages WHERE room_id = ?").bind(c.id).run();
  });

  it("finds nothing to do once the migration that drops D1's history has run", async () => {
    await env.DB.prepare("DROP TABLE messages").run();
    expect(await moveAll(3)).toEqual([{ step: "done" }]);
  });
});
