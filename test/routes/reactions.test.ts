/** Reactions over REST and live on the room's socket. */
import { describe, expect, it } from "vitest";
import { MAX_REACTIONS_PER_MESSAGE, QUICK_REACTIONS, RoomFrame } from "../../core/protocol";
import { call, expectError, historyOf, makeRoom, makeUser, sendToRoom } from "../support/api";
import { openLiveRoom } from "../support/sockets";

const path = (messageId: number, emoji: string) =>
  `/api/v1/messages/${messageId}/reactions/${encodeURIComponent(emoji)}/`;

/** A room of two with one message of the owner's. */
async function roomWithMessage() {
  const owner = await makeUser();
  const member = await makeUser();
  const room = await makeRoom(owner, [member]);
  const sent = await sendToRoom(owner, room.id, "react to me");
  return { owner, member, room, messageId: sent.messages.at(-1).id as number };
}

describe("PUT and DELETE /api/v1/messages/{id}/reactions/{emoji}/", () => {
  it("adds a reaction, shows it with who reacted and whether it is mine, and takes it back", async () => {
    const { owner, member, room, messageId } = await roomWithMessage();
    const added = await call("PUT", path(messageId, "👍"), { token: member.access });
    expect(added.status).toBe(200);
    expect(added.body.reactions).toEqual([{ emoji: "👍", count: 1, users: [member.id], mine: true }]);

    await call("PUT", path(messageId, "🎉"), { token: owner.access });
    await call("PUT", path(messageId, "👍"), { token: owner.access });
    const page = await call("GET", `/api/v1/rooms/${room.id}/messages/`, { token: owner.access });
    expect(page.body.messages.at(-1).reactions).toEqual([
      { emoji: "👍", count: 2, users: [member.id, owner.id], mine: true },
      { emoji: "🎉", count: 1, users: [owner.id], mine: true },
    ]);
    const theirs = await call("GET", `/api/v1/rooms/${room.id}/`, { token: member.access });
    expect(theirs.body.messages.at(-1).reactions.map((r: any) => r.mine)).toEqual([true, false]);

    const removed = await call("DELETE", path(messageId, "🎉"), { token: owner.access });
    expect(removed.status).toBe(200);
    expect(removed.body.reactions).toEqual([{ emoji: "👍", count: 2, users: [member.id, owner.id], mine: true }]);
  });

  it("is idempotent: reacting twice counts once, and taking back what you never gave changes nothing", async () => {
    const { member, room, messageId } = await roomWithMessage();
    await call("PUT", path(messageId, "❤️"), { token: member.access });
    const again = await call("PUT", path(messageId, "❤"), { token: member.access });
    expect(again.status).toBe(200);
    expect(again.body.reactions).toEqual([{ emoji: "❤️", count: 1, users: [member.id], mine: true }]);
    const never = await call("DELETE", path(messageId, "😮"), { token: member.access });
    expect(never.status).toBe(200);
    expect(never.body.reactions).toHaveLength(1);
    await call("DELETE", path(messageId, "❤️"), { token: member.access });
    const history = await historyOf(member.access, room.id);
    expect(history.at(-1)).not.toHaveProperty("reactions");
  });

  it("takes every quick reaction and any other single emoji", async () => {
    const { member, messageId } = await roomWithMessage();
    for (const emoji of [...QUICK_REACTIONS, "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣"]) {
      const answer = await call("PUT", path(messageId, emoji), { token: member.access });
      expect(answer.status, emoji).toBe(200);
    }
  });

  it.each([
    ["text", "abc"],
    ["two emoji", "👍👍"],
    ["an emoji and a space", "👍 "],
    ["a digit", "1"],
    ["one flag letter", "🇫"],
    ["an over-long string", "👍".repeat(100)],
  ])("refuses %s with 400, changing nothing", async (_, emoji) => {
    const { member, room, messageId } = await roomWithMessage();
    expectError(await call("PUT", path(messageId, emoji), { token: member.access }), 400, "invalid");
    expect((await historyOf(member.access, room.id)).at(-1)).not.toHaveProperty("reactions");
  });

  it("refuses a non-member with 404, as for the message's other routes", async () => {
    const { messageId } = await roomWithMessage();
    const stranger = await makeUser();
    expectError(await call("PUT", path(messageId, "👍"), { token: stranger.access }), 404);
  });

  it("answers 404 for a deleted message, whose reactions go with its text", async () => {
    const { owner, member, room, messageId } = await roomWithMessage();
    await call("PUT", path(messageId, "👍"), { token: member.access });
    expect((await call("DELETE", `/api/v1/messages/${messageId}/`, { token: owner.access })).status).toBe(204);
    expectError(await call("PUT", path(messageId, "🎉"), { token: member.access }), 404);
    expect((await historyOf(member.access, room.id)).at(-1)).not.toHaveProperty("reactions");
  });

  it(`refuses one different emoji past ${MAX_REACTIONS_PER_MESSAGE} with 400, while adding to one there is fine`, async () => {
    const { owner, member, messageId } = await roomWithMessage();
    const faces = Array.from({ length: MAX_REACTIONS_PER_MESSAGE + 1 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    for (const face of faces.slice(0, -1))
      expect((await call("PUT", path(messageId, face), { token: owner.access })).status).toBe(200);
    expectError(await call("PUT", path(messageId, faces.at(-1)!), { token: owner.access }), 400, "invalid");
    expect((await call("PUT", path(messageId, faces[0]), { token: member.access })).status).toBe(200);
  });

  it("keeps a message's reactions through an edit", async () => {
    const { owner, member, messageId } = await roomWithMessage();
    await call("PUT", path(messageId, "👀"), { token: member.access });
    const edited = await call("PATCH", `/api/v1/messages/${messageId}/`, {
      token: owner.access,
      json: { content: "edited" },
    });
    expect(edited.body.reactions).toEqual([{ emoji: "👀", count: 1, users: [member.id], mine: false }]);
  });

  it("goes live to the room's other sockets as one reaction frame, and once only", async () => {
    const { owner, member, room, messageId } = await roomWithMessage();
    const watching = await openLiveRoom(owner.access, room.id);
    await call("PUT", path(messageId, "🎉"), { token: member.access });
    await call("PUT", path(messageId, "🎉"), { token: member.access });
    await call("DELETE", path(messageId, "🎉"), { token: member.access });
    const added = await watching.nextOf("reaction");
    expect(added).toEqual({ type: "reaction", message: messageId, emoji: "🎉", user: member.id, added: true });
    expect(RoomFrame.parse(added)).toEqual(added);
    expect(await watching.nextOf("reaction")).toMatchObject({ added: false });
    watching.close();
  });
});
