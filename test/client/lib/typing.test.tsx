import { fireEvent, screen } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { renderConversation } from "../support/conversation";
import { fakeApi } from "../support/fake-api";
import { fakeSockets, socketFor } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });

describe("typing in a conversation just opened", () => {
  it("tells the room as soon as the socket is open, though the first keys came while it was opening", async () => {
    const api = fakeApi();
    await signedIn(api);
    fakeSockets();
    const room = aRoom({ participants: [me, bob] });
    api.on("GET", `/rooms/${room.id}/messages`, { body: { messages: [], has_more: false } });
    renderConversation(room, me);
    const socket = await socketFor(`/api/v1/rooms/${room.id}/socket/`);
    const box = screen.getByRole("textbox");
    fireEvent.input(box, { target: { value: "h" } });
    expect(socket.sent).toEqual([]);
    socket.open();
    fireEvent.input(box, { target: { value: "he" } });
    expect(socket.sent.filter((frame) => (frame as { type: string }).type === "typing")).toHaveLength(1);
  });
});
