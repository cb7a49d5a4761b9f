import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectError, makeRoom, makeUser, seedMessages, sendToRoom, sendToUser, snapshot } from "../support/api";
import { openRoom } from "../support/sockets";

/** The longest message, as the API documents it. */
const MAX_MESSAGE_LENGTH = 4000;
const roomKeys = [
  "created_by",
  "default",
  "id",
  "is_group",
  "last_activity",
  "messages",
  "open",
  "owner",
  "participants",
  "timestamp",
  "title",
];
const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

const toUser = (token: string, json: unknown) => call("POST", "/api/v1/send_message_to_user/", { token, json });
const toRoom = (token: string, json: unknown) => call("POST", "/api/v1/send_message_to_room/", { token, json });

describe("POST /api/v1/send_message_to_user/", () => {
  it("answers 201 with the new DM room titled '<sender> - <receiver>' carrying the message", async () => {
    const sender = await makeUser({ username: "fcarreno" });
    const receiver = await makeUser({ username: "palmieri" });
    const { status, body } = await toUser(sender.access, { message: "this is a test message", user_id: receiver.id });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(roomKeys);
    expect(body.title).toBe("fcarreno - palmieri");
    expect(body.is_group).toBe(false);
    expect(body.created_by).toBe(sender.id);
    expect(body.timestamp).toMatch(ISO_WITH_OFFSET);
    expect(body.participants.map((u: { id: number }) => u.id).sort()).toEqual([sender.id, receiver.id].sort());
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]).toEqual({
      id: expect.any(Number),
      room: body.id,
      sender: sender.id,
      timestamp: expect.stringMatching(ISO_WITH_OFFSET),
      content: "this is a test message",
      edited_at: null,
      deleted: false,
    });
    expect(body.last_activity).toBe(body.messages[0].timestamp);
  });

  it("reuses the one DM room for later messages either way, oldest message first", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const first = await sendToUser(a, b, "one");
    await sendToUser(b, a, "two");
    const third = await sendToUser(a, b, "three");
    expect(third.id).toBe(first.id);
    expect(third.title).toBe(`${a.username} - ${b.username}`);
    expect(third.messages.map((m: { content: string }) => m.content)).toEqual(["one", "two", "three"]);
    expect(third.messages.map((m: { sender: number }) => m.sender)).toEqual([a.id, b.id, a.id]);
  });

  it("makes exactly one DM room when both people send their first messages at once", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const sends = Array.from({ length: 8 }, (_, i) =>
      i % 2
        ? toUser(a.access, { user_id: b.id, message: `a${i}` })
        : toUser(b.access, { user_id: a.id, message: `b${i}` }),
    );
    const answers = await Promise.all(sends);
    expect(answers.map((x) => x.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((x) => x.body.id)).size).toBe(1);
    const rooms = await env.DB.prepare(
      "SELECT count(*) AS n FROM rooms WHERE id IN (SELECT room_id FROM room_members WHERE user_id = ?) AND is_group = 0",
    )
      .bind(a.id)
      .first<{ n: number }>();
    expect(rooms!.n).toBe(1);
    const history = await call("GET", `/api/v1/rooms/${answers[0].body.id}/messages/`, { token: a.access });
    expect(history.body.messages).toHaveLength(8);
  });

  it("keeps a 2-person group apart from the DM of the same pair", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const group = await makeRoom(a, [b], "just us two");
    const dm = await sendToUser(a, b);
    expect(dm.id).not.toBe(group.id);
    expect(dm.is_group).toBe(false);
    expect(group.is_group).toBe(true);
  });

  it("accepts user_id as a numeric string, as DRF did", async () => {
    const a = await makeUser();
    const b = await makeUser();
    expect((await toUser(a.access, { user_id: String(b.id), message: "hi" })).status).toBe(201);
  });

  it("refuses sending to yourself with the original's text", async () => {
    const a = await makeUser();
    const before = await snapshot();
    const answer = await toUser(a.access, { user_id: a.id, message: "me" });
    expectError(answer, 400, "invalid");
    expect(answer.body.error).toBe("the sender and the receiver can not be the same for new messages");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an unknown or inactive receiver with the original's text", async () => {
    const a = await makeUser();
    const gone = await makeUser({ isActive: false });
    const before = await snapshot();
    for (const user_id of [999_999, gone.id]) {
      const answer = await toUser(a.access, { user_id, message: "hi" });
      expectError(answer, 400, "invalid");
      expect(answer.body.error).toBe("invalid user to chat with");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("answers every malformed payload with the original's text and names the field", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const before = await snapshot();
    const payloads: [unknown, string][] = [
      [{ message: "no receiver" }, "user_id"],
      [{ user_id: b.id }, "message"],
      [{ user_id: "abc", message: "x" }, "user_id"],
      [{ user_id: -1, message: "x" }, "user_id"],
      [{ user_id: 0, message: "x" }, "user_id"],
      [{ user_id: "0", message: "x" }, "user_id"],
      [{ user_id: 1.5, message: "x" }, "user_id"],
      [{ user_id: 1e300, message: "x" }, "user_id"],
      [{ user_id: "99999999999999999999", message: "x" }, "user_id"],
      [{ user_id: [b.id], message: "x" }, "user_id"],
      [{ user_id: null, message: "x" }, "user_id"],
      [{ user_id: b.id, message: 42 }, "message"],
      [{ user_id: b.id, message: "   " }, "message"],
      [{ user_id: b.id, message: "x".repeat(MAX_MESSAGE_LENGTH + 1) }, "message"],
      [[b.id, "x"], "body"],
      ["just a string", "body"],
    ];
    for (const [json, field] of payloads) {
      const answer = await toUser(a.access, json);
      expectError(answer, 400, "invalid");
      expect(answer.body.error, JSON.stringify(json)).toBe("invalid payload to send messages");
      expect(answer.body.fields, JSON.stringify(json)).toHaveProperty(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("stores a message of exactly the longest length, unicode and all", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const text = `¡Hola! "quoted" <b>not bold</b> 🦅 ${"x".repeat(MAX_MESSAGE_LENGTH - 40)}`;
    const room = await sendToUser(a, b, text);
    expect(room.messages.at(-1).content).toBe(text);
  });

  it("refuses an anonymous sender with 401", async () => {
    const b = await makeUser();
    expectError(
      await call("POST", "/api/v1/send_message_to_user/", { json: { user_id: b.id, message: "hi" } }),
      401,
      "not_authenticated",
    );
  });
});

describe("POST /api/v1/send_message_to_room/", () => {
  it("answers 201 with the room, the new message last", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member], "new test room chat");
    await sendToRoom(owner, room.id, "first");
    const { status, body } = await toRoom(member.access, { message: "new message for new room", group_id: room.id });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(roomKeys);
    expect(body).toMatchObject({ id: room.id, title: "new test room chat", is_group: true });
    expect(body.messages.map((m: { content: string; sender: number }) => [m.sender, m.content])).toEqual([
      [owner.id, "first"],
      [member.id, "new message for new room"],
    ]);
  });

  it("carries only the latest 50 messages, oldest first", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    await seedMessages(
      room.id,
      owner.id,
      Array.from({ length: 52 }, (_, i) => `m${i + 1}`),
    );
    const body = await sendToRoom(owner, room.id, "m53");
    expect(body.messages).toHaveLength(50);
    expect(body.messages[0].content).toBe("m4");
    expect(body.messages.at(-1).content).toBe("m53");
  });

  it("lets a participant send to their DM room by its id", async () => {
    const a = await makeUser();
    const b = await makeUser();
    const dm = await sendToUser(a, b, "hi");
    expect((await sendToRoom(b, dm.id, "back")).messages.at(-1).content).toBe("back");
  });

  it("refuses a message from a non-member with 403 and the original's text, storing nothing", async () => {
    const owner = await makeUser();
    const outsider = await makeUser();
    const room = await makeRoom(owner);
    const before = await snapshot();
    const answer = await toRoom(outsider.access, { group_id: room.id, message: "let me in" });
    expectError(answer, 403, "permission_denied");
    expect(answer.body.error).toBe("the room you are trying to reaching does not exists or you are not  part of it");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an unknown room with 400 and the original's text", async () => {
    const user = await makeUser();
    const answer = await toRoom(user.access, { group_id: 987_654, message: "anyone?" });
    expectError(answer, 400, "invalid");
    expect(answer.body.error).toBe("the room you are trying to reaching does not exists or you are not  part of it");
  });

  it("refuses a member who left", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member]);
    expect((await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: member.access })).status).toBe(204);
    expectError(await toRoom(member.access, { group_id: room.id, message: "still here?" }), 403);
  });

  it("answers every malformed payload with the original's text and names the field", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    const before = await snapshot();
    const payloads: [unknown, string][] = [
      [{ message: "where to?" }, "group_id"],
      [{ group_id: room.id }, "message"],
      [{ group_id: "twelve", message: "x" }, "group_id"],
      [{ group_id: -room.id, message: "x" }, "group_id"],
      [{ group_id: { id: room.id }, message: "x" }, "group_id"],
      [{ group_id: room.id, message: ["x"] }, "message"],
      [{ group_id: room.id, message: "" }, "message"],
      [null, "body"],
    ];
    for (const [json, field] of payloads) {
      const answer = await toRoom(owner.access, json);
      expectError(answer, 400, "invalid");
      expect(answer.body.error).toBe("invalid payload to send messages");
      expect(answer.body.fields, JSON.stringify(json)).toHaveProperty(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("keeps every acknowledged message, in one order, when many are sent at once", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member]);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        toRoom((i % 2 ? owner : member).access, { group_id: room.id, message: `c${i}` }),
      ),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const { body } = await call("GET", `/api/v1/rooms/${room.id}/messages/`, { token: owner.access });
    expect(body.messages.map((m: { content: string }) => m.content).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `c${i}`).sort(),
    );
    const ids = body.messages.map((m: { id: number }) => m.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });
});

describe("retrying a REST send with a client_id", () => {
  it("stores a retried send_message_to_room once and answers 201 with the same room both times", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    const first = await toRoom(owner.access, { group_id: room.id, message: "only once", client_id: "retry-1" });
    const retry = await toRoom(owner.access, { group_id: room.id, message: "only once", client_id: "retry-1" });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.messages.map((m: { content: string }) => m.content)).toEqual(["only once"]);
  });

  it("stores a retried send_message_to_user once, in the one DM room", async () => {
    const [a, b] = [await makeUser(), await makeUser()];
    const first = await toUser(a.access, { user_id: b.id, message: "hi once", client_id: "dm-1" });
    const retry = await toUser(a.access, { user_id: b.id, message: "hi once", client_id: "dm-1" });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.messages.map((m: { content: string }) => m.content)).toEqual(["hi once"]);
  });

  it("keeps the first message when a retry's text differs", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    await toRoom(owner.access, { group_id: room.id, message: "the first text", client_id: "same" });
    const retry = await toRoom(owner.access, { group_id: room.id, message: "another text", client_id: "same" });
    expect(retry.status).toBe(201);
    expect(retry.body.messages.map((m: { content: string }) => m.content)).toEqual(["the first text"]);
  });

  it("stores sends with different client ids, and the same id from two people, each once", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    await toRoom(owner.access, { group_id: room.id, message: "a", client_id: "one" });
    await toRoom(owner.access, { group_id: room.id, message: "b", client_id: "two" });
    const last = await toRoom(member.access, { group_id: room.id, message: "c", client_id: "one" });
    expect(last.body.messages.map((m: { sender: number; content: string }) => [m.sender, m.content])).toEqual([
      [owner.id, "a"],
      [owner.id, "b"],
      [member.id, "c"],
    ]);
  });

  it("shows open sockets a retried message once", async () => {
    const [owner, watcher] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [watcher]);
    const socket = await openRoom(watcher.access, room.id);
    await socket.nextOf("caught_up");
    await toRoom(owner.access, { group_id: room.id, message: "once", client_id: "live-1" });
    await toRoom(owner.access, { group_id: room.id, message: "once", client_id: "live-1" });
    await toRoom(owner.access, { group_id: room.id, message: "next" });
    expect((await socket.nextOf("message")).message.content).toBe("once");
    expect((await socket.nextOf("message")).message.content).toBe("next");
  });

  it("refuses a client_id that is empty, longer than 64 characters or not a string with 400, storing nothing", async () => {
    const owner = await makeUser();
    const other = await makeUser();
    const room = await makeRoom(owner);
    const before = await snapshot();
    for (const client_id of ["", "x".repeat(65), 7, null, ["a"]]) {
      for (const answer of [
        await toRoom(owner.access, { group_id: room.id, message: "x", client_id }),
        await toUser(owner.access, { user_id: other.id, message: "x", client_id }),
      ]) {
        expectError(answer, 400, "invalid");
        expect(answer.body.error).toBe("invalid payload to send messages");
        expect(answer.body.fields, JSON.stringify(client_id)).toHaveProperty("client_id");
      }
    }
    expect(await snapshot()).toEqual(before);
    expect((await toRoom(owner.access, { group_id: room.id, message: "x", client_id: "x".repeat(64) })).status).toBe(
      201,
    );
  });
});
