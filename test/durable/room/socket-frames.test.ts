/**
 * The socket speaks REST's vocabulary: its error codes are REST's names, an error that
 * answers a send carries the send's client id, and a broadcast message carries its sender's.
 */
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../core/errors";
import { MAX_FRAME_LENGTH, MAX_MESSAGE_LENGTH, parseClientFrame, SocketErrorCode } from "../../../core/protocol";
import { makeRoom, makeUser } from "../../support/api";
import { openLiveRoom } from "../../support/sockets";

describe("the socket's error codes", () => {
  it("are REST's names, with bad_frame for a frame that is not JSON", () => {
    expect([...SocketErrorCode.options].sort()).toEqual(
      ["bad_frame", "invalid", "not_found", "permission_denied", "throttled", "too_large", "unavailable"].sort(),
    );
    for (const code of SocketErrorCode.options) if (code !== "bad_frame") expect(ERROR_CODES).toContain(code);
    expect(SocketErrorCode.options).not.toContain("rate_limited");
    expect(SocketErrorCode.options).not.toContain("not_allowed");
  });
});

describe("a refused send", () => {
  const send = (content: string, client_id = "mine-1") => JSON.stringify({ type: "send", client_id, content });

  it("carries the send's client id, whatever refused it", () => {
    expect(parseClientFrame(send("x".repeat(MAX_MESSAGE_LENGTH + 1)))).toMatchObject({
      code: "invalid",
      client_id: "mine-1",
    });
    expect(parseClientFrame(send("   "))).toMatchObject({ code: "invalid", client_id: "mine-1" });
    expect(parseClientFrame(send("x".repeat(MAX_FRAME_LENGTH)))).toMatchObject({
      code: "too_large",
      client_id: "mine-1",
    });
  });

  it("carries no client id when the frame had no valid one, or was not a send", () => {
    expect(parseClientFrame(send("x".repeat(MAX_MESSAGE_LENGTH + 1), ""))).not.toHaveProperty("client_id");
    expect(parseClientFrame(JSON.stringify({ type: "edit", client_id: "c", id: 0, content: "x" }))).not.toHaveProperty(
      "client_id",
    );
    expect(parseClientFrame("{nope")).toEqual({ ok: false, code: "bad_frame", message: "Frames are JSON objects." });
  });

  it("is answered on the socket with an error frame carrying its client id", async () => {
    const sender = await makeUser();
    const room = await makeRoom(sender, []);
    const socket = await openLiveRoom(sender.access, room.id);
    socket.send({ type: "send", client_id: "too-long", content: "y".repeat(MAX_MESSAGE_LENGTH + 1) });
    expect(await socket.nextOf("error")).toMatchObject({ code: "invalid", client_id: "too-long" });
    socket.send({ type: "send", client_id: "too-big", content: "z".repeat(MAX_FRAME_LENGTH) });
    expect(await socket.nextOf("error")).toMatchObject({ code: "too_large", client_id: "too-big" });
  });
});

describe("a broadcast message", () => {
  it("carries its sender's client id, to the sender and everyone else", async () => {
    const sender = await makeUser();
    const other = await makeUser();
    const room = await makeRoom(sender, [other]);
    const mine = await openLiveRoom(sender.access, room.id);
    const theirs = await openLiveRoom(other.access, room.id);
    mine.send({ type: "send", client_id: "echo-me", content: "same text" });
    mine.send({ type: "send", client_id: "echo-me-too", content: "same text" });
    for (const socket of [mine, theirs]) {
      const first = (await socket.nextOf("message")).message;
      const second = (await socket.nextOf("message")).message;
      expect([first.client_id, second.client_id]).toEqual(["echo-me", "echo-me-too"]);
    }
    // The first ack may have come between the two messages; the second comes after both.
    expect((await mine.nextOf("ack")).message.client_id).toBe("echo-me-too");
  });

  it("carries it in a catch-up too", async () => {
    const sender = await makeUser();
    const room = await makeRoom(sender, []);
    const first = await openLiveRoom(sender.access, room.id);
    first.send({ type: "send", client_id: "missed", content: "while away" });
    const acked = (await first.nextOf("ack")).message;
    first.send({ type: "resume", after: acked.id - 1 });
    expect(
      (await first.next((frame) => frame.type === "message" && frame.message.id === acked.id)).message,
    ).toMatchObject({ client_id: "missed" });
  });
});
