/**
 * Moderation and pinned rooms in the page: a superuser's "Remove" on someone else's message,
 * the room's live frame showing it removed by an administrator, and a pinned room's badge.
 */

import { act, fireEvent, screen, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import type { User } from "../../../client/lib/api";
import type { WireMessage } from "../../../core/protocol";
import { catchUp, renderConversation } from "../support/conversation";
import { fakeApi } from "../support/fake-api";
import { fakeSockets } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const admin = aUser({ username: "root", first_name: "Root", is_superuser: true });
const bob = aUser({ username: "bob", first_name: "Bob" });
const said: WireMessage = {
  id: 7,
  room: 0,
  sender: bob.id,
  timestamp: new Date(Date.UTC(2026, 0, 1, 10)).toISOString(),
  content: "something rude",
  edited_at: null,
  deleted: false,
};

async function open(me: User, extra: Record<string, unknown> = {}) {
  const room = aRoom({ is_group: true, participants: [me, bob], ...extra });
  const message = { ...said, room: room.id };
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  api.on("GET", `/rooms/${room.id}/messages`, { body: { messages: [message], has_more: false } });
  api.on("DELETE", `/messages/${message.id}`, { status: 204 });
  renderConversation(room, me);
  const socket = await catchUp(room, me, message.id);
  return { api, socket, message };
}

describe("moderation in a conversation", () => {
  it("lets a superuser remove someone's message, shown as removed by an administrator", async () => {
    const { api, socket, message } = await open(admin);
    fireEvent.click(await screen.findByRole("button", { name: "Remove message: something rude" }));
    fireEvent.click(
      within(screen.getByRole("dialog", { name: "Remove message" })).getByRole("button", { name: "Remove" }),
    );
    await vi.waitFor(() => expect(api.sent("DELETE", `/messages/${message.id}`)).toHaveLength(1));
    act(() =>
      socket.receive({
        type: "message_deleted",
        message: { ...message, content: "", deleted: true, removed_by_admin: true },
      }),
    );
    const log = screen.getByRole("log", { name: /Messages with/ });
    expect(await within(log).findByText("Removed by an administrator.")).toBeTruthy();
  });

  it("offers no Remove to someone who is not a superuser", async () => {
    await open(aUser({ username: "ada" }));
    expect(await screen.findByText("something rude")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Remove message/ })).toBeNull();
  });
});

describe("a pinned room", () => {
  it("shows its jurisdiction as a badge in the header", async () => {
    await open(admin, { jurisdiction: "eu" });
    const badge = await screen.findByTitle("This room's messages are kept in the European Union");
    expect(badge.textContent).toBe("EU");
  });

  it("shows no badge when the room is not pinned", async () => {
    await open(admin);
    expect(await screen.findByText("something rude")).toBeTruthy();
    expect(screen.queryByTitle(/messages are kept in/)).toBeNull();
  });
});
