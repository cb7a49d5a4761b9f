import { describe, expect, it } from "vitest";
import { mergeMessages } from "../../../client/lib/history-window";
import { dmWith, roomName } from "../../../client/lib/rooms";
import { titleFor } from "../../../client/lib/use-attention";
import { type RoomSummary, withMessage } from "../../../client/lib/use-inbox";
import { echoOf, messagesIn, type Outgoing } from "../../../client/lib/use-room";
import type { WireMessage } from "../../../core/protocol";

const message = (id: number, content = `m${id}`, extra: Partial<WireMessage> = {}): WireMessage => ({
  id,
  room: 1,
  sender: 2,
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, id)).toISOString(),
  content,
  edited_at: null,
  deleted: false,
  ...extra,
});

const person = (id: number, full_name: string) =>
  ({ id, full_name, username: full_name.toLowerCase() }) as RoomSummary["participants"][number];

describe("a conversation's messages", () => {
  it("come one a frame, or several in one frame from a busy room, in order", () => {
    expect(messagesIn({ type: "message", message: message(1) })).toEqual([message(1)]);
    expect(messagesIn({ type: "messages", messages: [message(2), message(3)] })).toEqual([message(2), message(3)]);
    expect(messagesIn({ type: "typing", user: 2, typing: true })).toEqual([]);
  });

  it("stay in id order whatever order they arrive in, each once", () => {
    const merged = mergeMessages([message(1), message(3)], [message(2), message(3)]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it("take an edit or a delete in place of the old copy", () => {
    const merged = mergeMessages([message(1), message(2)], [message(1, "", { deleted: true })]);
    expect(merged[0].deleted).toBe(true);
    expect(merged).toHaveLength(2);
  });
});

describe("the room list", () => {
  const room = {
    id: 1,
    title: "t",
    is_group: false,
    participants: [person(1, "Ana"), person(2, "Bo")],
    messages: [message(1)],
    unread_count: 0,
    last_activity: message(1).timestamp,
  } as RoomSummary;

  it("moves a room's preview and activity to a newer message and counts it unread", () => {
    const next = withMessage(room, message(5, "latest"), true, 1);
    expect(next.messages[0].content).toBe("latest");
    expect(next.last_activity).toBe(message(5).timestamp);
    expect(next.unread_count).toBe(1);
  });

  it("keeps the preview when an older message arrives late", () => {
    const next = withMessage({ ...room, messages: [message(9)] }, message(5), false, 1);
    expect(next.messages[0].id).toBe(9);
  });

  it("names a DM by the other person and finds it by them", () => {
    expect(roomName(room, 1)).toBe("Bo");
    expect(roomName({ ...room, is_group: true, title: "Lunch" }, 1)).toBe("Lunch");
    expect(dmWith([room], 2)?.id).toBe(1);
    expect(dmWith([{ ...room, is_group: true }], 2)).toBeUndefined();
  });

  it("puts the unread count in the title only when there is one", () => {
    expect(titleFor(0)).toBe("Condor Chat");
    expect(titleFor(4)).toBe("(4) Condor Chat");
    expect(titleFor(4, 1)).toBe("(@1 · 4) Condor Chat");
  });
});

describe("the echo of my send", () => {
  const sending = (client_id: string, content = "same text"): Outgoing => ({ client_id, content, status: "sending" });
  const me = 2;

  it("is known by its client id, not by its text", () => {
    const outgoing = [sending("first"), sending("second")];
    const echo = message(7, "same text", { client_id: "second" });
    expect(echoOf(outgoing, echo, me)).toBe(outgoing[1]);
  });

  it("is none for someone else's message, one without a client id, or a send already echoed or failed", () => {
    const outgoing = [sending("a"), { ...sending("b"), echoed: 5 }, { ...sending("c"), status: "failed" as const }];
    expect(echoOf(outgoing, message(7, "same text", { client_id: "a", sender: 3 }), me)).toBeUndefined();
    expect(echoOf(outgoing, message(7, "same text"), me)).toBeUndefined();
    expect(echoOf(outgoing, message(7, "same text", { client_id: "b" }), me)).toBeUndefined();
    expect(echoOf(outgoing, message(7, "same text", { client_id: "c" }), me)).toBeUndefined();
  });
});
