/**
 * Generated bad frames over a room's socket, for every frame type a client sends: a bad
 * frame is answered with an error frame, the socket stays open and keeps working, and
 * nothing stored changes. Generated renames and edits: the inbox frames telling of them
 * are valid and carry what was stored.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ClientFrame,
  InboxFrame,
  MAX_FRAME_LENGTH,
  MAX_MESSAGE_LENGTH,
  plainSend,
  RoomFrame,
} from "../../core/protocol";
import { QUICK_REACTIONS } from "../../core/protocol-constants";
import { reactionEmoji } from "../../core/reactions";
import { call, makeRoom, makeUser, sendToRoom, snapshot } from "../support/api";
import { openInbox, openLiveRoom, openRoom, type TestSocket } from "../support/sockets";
import { bodyLike, nastyString, nastyValue, percentEncoded, RUNS } from "./arbitraries";

/** A valid frame of each type a client sends, for the generator to spoil. */
const goodFrames: Record<string, Record<string, unknown>> = {
  send: { type: "send", client_id: "c1", content: "hello" },
  "send with reply_to": { type: "send", client_id: "c1", content: "hello", reply_to: 1 },
  "send in a thread": { type: "send", client_id: "c1", content: "hello", thread: 1 },
  "send with files": { type: "send", client_id: "c2", content: "", attachments: ["0".repeat(32), "1".repeat(32)] },
  edit: { type: "edit", id: 1, content: "changed" },
  delete: { type: "delete", id: 1 },
  typing: { type: "typing" },
  read: { type: "read", up_to: 1 },
  resume: { type: "resume", after: 0 },
  "resume with changes": { type: "resume", after: 0, changes: 0 },
};

/** A frame's text: a spoiled frame of this type, its type sometimes spoiled too. */
function frameText(good: Record<string, unknown>): fc.Arbitrary<string> {
  const spoiled = fc.tuple(
    bodyLike(good),
    fc.oneof({ weight: 4, arbitrary: fc.constant(good.type) }, { weight: 1, arbitrary: nastyValue }),
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: spoiled.map(([body, type]) =>
        JSON.stringify(body !== null && typeof body === "object" && !Array.isArray(body) ? { ...body, type } : body),
      ),
    },
    { weight: 1, arbitrary: nastyString },
  );
}

/** What the room should do with a frame: the protocol's own reading of it. */
function isValidFrame(text: string): boolean {
  if (text.length > MAX_FRAME_LENGTH) return false;
  try {
    return ClientFrame.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

let marker = 1_000_000_000;

/**
 * Sends a frame, then a resume whose answer marks that the room has handled it; answers the
 * frames that came in between. The socket must still be open to answer at all.
 */
async function exchange(socket: TestSocket, text: string): Promise<any[]> {
  marker += 1;
  const mine = marker;
  socket.send(text);
  socket.send({ type: "resume", after: mine });
  const seen: any[] = [];
  for (;;) {
    const frame = await socket.next();
    if (frame.type === "caught_up" && frame.last_id === mine) return seen;
    seen.push(frame);
  }
}

describe("generated bad frames over a room socket", () => {
  let socket: TestSocket;
  let theirs: number;
  beforeAll(async () => {
    const owner = await makeUser();
    const member = await makeUser();
    const room = await makeRoom(owner, [member], "frames room");
    theirs = (await sendToRoom(member, room.id, "someone else's message")).messages.at(-1).id;
    socket = await openRoom(owner.access, room.id);
    await socket.nextOf("caught_up");
  });

  it.each(Object.entries(goodFrames))(
    "answers any spoiled %s frame with an error frame, keeps the socket, and changes nothing",
    async (_, good) => {
      await fc.assert(
        fc.asyncProperty(
          frameText(good).filter((text) => !isValidFrame(text)),
          async (text) => {
            const before = await snapshot();
            const answers = await exchange(socket, text);
            for (const frame of answers) expect(RoomFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
            const errors = answers.filter((frame) => frame.type === "error");
            expect(
              errors.map((frame) => frame.code),
              `answers to ${text.slice(0, 200)}`,
            ).toEqual([expect.stringMatching(/^(bad_frame|invalid|too_large)$/)]);
            expect(answers.filter((frame) => frame.type !== "error" && frame.type !== "here")).toEqual([]);
            expect(await snapshot()).toEqual(before);
          },
        ),
        { numRuns: RUNS },
      );
    },
  );

  it("answers binary frames with an error frame and keeps the socket", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const before = await snapshot();
        socket.ws.send(bytes);
        const answers = await exchange(socket, "{}");
        expect(answers.filter((frame) => frame.type === "error").map((frame) => frame.code)).toEqual([
          "bad_frame",
          "invalid",
        ]);
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a send of any files that are not the sender's waiting uploads, storing nothing", async () => {
    const ids = fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{32}$/), { minLength: 1, maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(ids, fc.constantFrom("", "with text"), async (attachments, content) => {
        const before = await snapshot();
        const answers = await exchange(socket, JSON.stringify({ type: "send", client_id: "f1", content, attachments }));
        const errors = answers.filter((frame) => frame.type === "error");
        expect(errors).toEqual([expect.objectContaining({ code: "invalid", client_id: "f1" })]);
        expect(errors[0].message).toMatch(/^attachments: /);
        expect(answers.filter((frame) => frame.type === "message" || frame.type === "ack")).toEqual([]);
        expect(await snapshot()).toEqual(before);
      }),
      // Each is a send, which the sender's allowance counts: a burst's worth.
      { numRuns: 8 },
    );
  });

  it("refuses an edit or delete of any message not the sender's, changing nothing", async () => {
    // The socket's owner has sent nothing: every id is someone else's message or none at all.
    const ids = fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER));
    await fc.assert(
      fc.asyncProperty(ids, fc.boolean(), async (id, edit) => {
        const before = await snapshot();
        const answers = await exchange(
          socket,
          JSON.stringify(edit ? { type: "edit", id, content: "mine now" } : { type: "delete", id }),
        );
        const errors = answers.filter((frame) => frame.type === "error");
        expect(errors.map((frame) => frame.code)).toEqual([expect.stringMatching(/^(not_found|permission_denied)$/)]);
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a send quoting or replying in the thread of any id not a message of the room, broadcasting nothing", async () => {
    const ids = fc
      .oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER))
      .filter((id) => id !== theirs);
    await fc.assert(
      fc.asyncProperty(ids, fc.constantFrom("reply_to", "thread"), async (id, field) => {
        const answers = await exchange(
          socket,
          JSON.stringify({ type: "send", client_id: "p", content: "x", [field]: id }),
        );
        for (const frame of answers) expect(RoomFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
        expect(answers.filter((frame) => frame.type !== "here")).toEqual([
          { type: "error", code: "invalid", message: expect.stringContaining(field), client_id: "p" },
        ]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("the hand-checked plain send", () => {
  it("takes what ClientFrame takes of a send of text alone, the same way, and passes everything else on", () => {
    const nearSend = fc.record(
      {
        type: fc.oneof(fc.constant("send"), nastyValue),
        client_id: fc.oneof(fc.string({ maxLength: 70 }), nastyValue),
        content: fc.oneof(
          fc.string(),
          fc.constantFrom("", " ", "\n\t", "x".repeat(MAX_MESSAGE_LENGTH + 1)),
          nastyValue,
        ),
        reply_to: fc.nat(),
        extra: nastyValue,
      },
      { requiredKeys: [] },
    );
    // Sends of text alone with every field there: nearSend makes one in about a thousand.
    const textSend = fc.record({
      type: fc.constant("send"),
      client_id: fc.string({ minLength: 1, maxLength: 64 }),
      content: fc.string({ minLength: 1 }),
    });
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(nearSend, textSend, nastyValue), (data) => {
        const plain = plainSend(data);
        if (plain === undefined) return;
        taken++;
        const parsed = ClientFrame.safeParse(data);
        expect(parsed.success).toBe(true);
        expect(plain).toEqual(parsed.data);
      }),
      { numRuns: RUNS * 20 },
    );
    expect(taken, "the generator makes plain sends too").toBeGreaterThan(0);
    expect(plainSend({ type: "send", client_id: "c1", content: "hello" })).toEqual({
      type: "send",
      client_id: "c1",
      content: "hello",
    });
  });
});

describe("generated reactions over REST, as the room's sockets see them", () => {
  /** Emoji, emoji run together, emoji with text, and anything at all. */
  const reactionText = fc.oneof(
    fc.constantFrom(...QUICK_REACTIONS, "👍🏽", "🇫🇷", "1️⃣", "❤"),
    fc
      .array(fc.constantFrom(...QUICK_REACTIONS, "a", " ", "\u200D", "\uFE0F", "🏽", "🇫"), {
        minLength: 1,
        maxLength: 4,
      })
      .map((parts) => parts.join("")),
    nastyString.filter((text) => text.length > 0),
  );

  it("takes exactly the single emoji, refuses the rest with 400, and sends one valid reaction frame per change", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const messageId = (await sendToRoom(owner, room.id, "react")).messages.at(-1).id;
    const watching = await openLiveRoom(owner.access, room.id);
    await fc.assert(
      fc.asyncProperty(reactionText, fc.boolean(), async (text, add) => {
        const path = `/api/v1/messages/${messageId}/reactions/${percentEncoded(text)}/`;
        const answer = await call(add ? "PUT" : "DELETE", path, { token: member.access });
        const emoji = reactionEmoji(text);
        expect(answer.status, JSON.stringify(text)).toBe(emoji === undefined ? 400 : 200);
        if (emoji === undefined) return;
        const mineNow = answer.body.reactions?.some((r: any) => r.emoji === emoji && r.mine) ?? false;
        expect(mineNow).toBe(add);
        // Take it back (or give it) again: exactly one frame tells of this second change.
        await call(add ? "DELETE" : "PUT", path, { token: member.access });
        const frame = await watching.next((f) => f.type === "reaction" && f.emoji === emoji && f.added === !add);
        expect(RoomFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
        await call("DELETE", path, { token: member.access });
      }),
      { numRuns: RUNS },
    );
    for (const frame of watching.received())
      expect(RoomFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
    watching.close();
  });
});

describe("generated renames and edits, as the members' inboxes tell them", () => {
  it("sends one valid room_renamed frame with the stored title for every rename, and none for a refused one", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member], "first title");
    const inbox = await openInbox(member.access);
    await inbox.nextOf("unread");
    await fc.assert(
      fc.asyncProperty(nastyString, async (title) => {
        const answer = await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title } });
        if (answer.status !== 200) {
          expect(answer.status).toBe(400);
          return;
        }
        const frame = await inbox.nextOf("room_renamed");
        expect(InboxFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
        expect(frame).toEqual({ type: "room_renamed", room: room.id, title: answer.body.title });
      }),
      { numRuns: RUNS },
    );
    for (const frame of inbox.received()) expect(InboxFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
    expect(inbox.pending().filter((frame) => frame.type === "room_renamed")).toEqual([]);
    inbox.close();
  });

  it("sends one valid message_changed frame with the stored text for every edit", async () => {
    const [author, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(author, [member]);
    const id = (await sendToRoom(author, room.id, "to be edited")).messages.at(-1).id;
    const inbox = await openInbox(member.access);
    await inbox.nextOf("unread");
    const socket = await openRoom(author.access, room.id);
    await socket.nextOf("caught_up");
    await fc.assert(
      fc.asyncProperty(nastyString, async (content) => {
        const answers = await exchange(socket, JSON.stringify({ type: "edit", id, content }));
        const edited = answers.find((frame) => frame.type === "message_edited");
        if (!edited) return;
        const frame = await inbox.nextOf("message_changed");
        expect(InboxFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
        expect(frame).toEqual({ type: "message_changed", room: room.id, message: edited.message });
      }),
      { numRuns: RUNS },
    );
    for (const frame of inbox.received()) expect(InboxFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
    socket.close();
    inbox.close();
  });
});

describe("generated group titles over REST, as the room's sockets see them", () => {
  it("renames with a title that has text, refuses a blank one with 400, and tells every socket in one valid renamed frame", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const watching = await openLiveRoom(member.access, room.id);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), nastyString), async (title) => {
        const answer = await call("PATCH", `/api/v1/rooms/${room.id}/`, { token: owner.access, json: { title } });
        const kept = title.trim();
        if (kept.length === 0 || kept.length > 255) {
          expect(answer.status, JSON.stringify(title)).toBe(400);
          return;
        }
        expect(answer.status, JSON.stringify(title)).toBe(200);
        const frame = await watching.next((f) => f.type === "renamed");
        expect(frame).toMatchObject({ type: "renamed", title: answer.body.title, by: owner.id });
        expect(RoomFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    for (const frame of watching.received())
      expect(RoomFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
    watching.close();
  });
});
