/**
 * Replies and threads in the page: a quote-reply (the quote above the composer, then in the
 * message with a way back to the quoted one), a root's reply summary, and the thread panel
 * with its replies, live, its own composer, and Esc to close it.
 */

import { act, fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import type { WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { catchUp, renderConversation } from "../support/conversation";
import { fakeApi, type SentRequest } from "../support/fake-api";
import { FakeSocket, fakeSockets } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn, TEST_ACCESS_TOKEN } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });
const cy = aUser({ username: "cy", first_name: "Cy" });
const room = aRoom({ is_group: true, participants: [me, bob, cy] });

afterEach(() => history.replaceState(null, "", "/"));

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 10, 16, second)).toISOString();
const message = (id: number, content: string, extra: Partial<WireMessage> = {}): WireMessage => ({
  id,
  room: room.id,
  sender: bob.id,
  timestamp: at(id % 60),
  content,
  edited_at: null,
  deleted: false,
  ...extra,
});

const root = message(10, "who reviews the release?", {
  thread: { reply_count: 2, last_reply_at: at(12), participants: [cy.id, bob.id] },
});
const replies = [message(11, "me", { sender: cy.id, thread_root: 10 }), message(12, "me too", { thread_root: 10 })];

async function open(linkedAt?: number) {
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  const timelinePage = { messages: [root, message(13, "next topic")], has_more: false };
  api.on("GET", `/rooms/${room.id}/messages`, ({ query }: SentRequest) =>
    query.get("thread") === "10"
      ? { body: { messages: replies, has_more: false } }
      : query.get("around") === "12"
        ? { body: { ...timelinePage, has_newer: false, thread: 10 } }
        : { body: timelinePage },
  );
  renderConversation(room, me, { at: linkedAt });
  const socket = await catchUp(room, me, 13);
  return { api, socket };
}

const timeline = () => screen.getByRole("log", { name: /Messages with/ });

describe("threads", () => {
  it("shows a root's reply summary, opens its thread in a panel with its replies, live, and Esc closes it", async () => {
    const { api, socket } = await open();
    const summary = await within(timeline()).findByRole("button", { name: /2 replies · last reply/ });
    fireEvent.click(summary);
    const panel = await screen.findByRole("complementary", { name: "Thread" });
    await within(panel).findByText("me too");
    expect(within(panel).getByText("who reviews the release?")).toBeTruthy();
    expect(api.sent("GET", `/rooms/${room.id}/messages`).some((r) => r.query.get("thread") === "10")).toBe(true);

    // A reply arrives live: in the panel, not the timeline; the root's summary follows.
    act(() => {
      socket.receive({ type: "message", message: message(14, "shipped", { sender: cy.id, thread_root: 10 }) });
      socket.receive({
        type: "thread_updated",
        root: 10,
        thread: { reply_count: 3, last_reply_at: at(14), participants: [cy.id, bob.id] },
      });
    });
    await within(panel).findByText("shipped");
    expect(within(timeline()).queryByText("shipped")).toBeNull();
    await within(timeline()).findByRole("button", { name: /3 replies/ });
    expect(within(panel).getByText("3 replies")).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);

    fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("complementary", { name: "Thread" })).toBeNull());
  });

  it("opened by a link to a thread reply, highlights its root and opens the thread beside it", async () => {
    await open(12);
    const panel = await screen.findByRole("complementary", { name: "Thread" });
    await within(panel).findByText("me too");
    await waitFor(() =>
      expect(
        within(timeline()).getByText("Linked message").closest("[data-message-id]")?.getAttribute("data-message-id"),
      ).toBe("10"),
    );
  });

  it("sends from the thread's composer as a reply in that thread, shown in the panel only", async () => {
    const { socket } = await open();
    fireEvent.click(await within(timeline()).findByRole("button", { name: /Reply in thread to message: who reviews/ }));
    const panel = await screen.findByRole("complementary", { name: "Thread" });
    const box = within(panel).getByLabelText("Reply in the thread");
    fireEvent.input(box, { target: { value: "on it" } });
    fireEvent.keyDown(box, { key: "Enter" });
    const sent = socket.sent.find((frame) => (frame as { type: string }).type === "send") as Record<string, unknown>;
    expect(sent).toMatchObject({ content: "on it", thread: 10 });
    expect(sent).not.toHaveProperty("reply_to");
    expect(within(panel).getByText("on it")).toBeTruthy();
    expect(within(timeline()).queryByText("on it")).toBeNull();

    // Acknowledged, it is mine to edit there; Esc ends the edit and leaves the panel open.
    const mine = message(16, "on it", { sender: me.id, thread_root: 10 });
    act(() => socket.receive({ type: "ack", client_id: sent.client_id, message: mine }));
    fireEvent.click(await within(panel).findByRole("button", { name: "Edit message: on it" }));
    fireEvent.keyDown(within(panel).getByLabelText("Edit message"), { key: "Escape" });
    expect(screen.getByRole("complementary", { name: "Thread" })).toBeTruthy();
    expect(within(panel).queryByLabelText("Edit message")).toBeNull();
  });

  it("quotes a message above the composer, sends reply_to, and the quote in a message links back", async () => {
    const { socket } = await open();
    fireEvent.click(await within(timeline()).findByRole("button", { name: "Reply to message: next topic" }));
    expect(screen.getByText(/Replying to/).textContent).toContain("next topic");
    const box = screen.getByLabelText(/^Message /);
    fireEvent.input(box, { target: { value: "agreed" } });
    fireEvent.keyDown(box, { key: "Enter" });
    const sent = socket.sent.find((frame) => (frame as { type: string }).type === "send") as Record<string, unknown>;
    expect(sent).toMatchObject({ content: "agreed", reply_to: 13 });
    expect(screen.queryByText(/Replying to/)).toBeNull();

    act(() =>
      socket.receive({
        type: "message",
        message: message(15, "agreed", {
          sender: me.id,
          reply_to: { id: 13, sender: bob.id, excerpt: "next topic", deleted: false },
        }),
      }),
    );
    const back = await screen.findByRole("button", { name: /Replying to Bob.*: next topic\. Go to that message/ });
    fireEvent.click(back);
    expect(location.pathname).toBe(`/rooms/${room.id}/messages/13`);
  });

  it("shows reactions in the open thread, live, on replies it paged in and replies the socket brought", async () => {
    const { socket } = await open();
    fireEvent.click(await within(timeline()).findByRole("button", { name: /2 replies · last reply/ }));
    const panel = await screen.findByRole("complementary", { name: "Thread" });
    await within(panel).findByText("me too");
    act(() => {
      socket.receive({ type: "reaction", message: 12, emoji: "👍", user: cy.id, added: true });
      socket.receive({ type: "message", message: message(14, "shipped", { sender: cy.id, thread_root: 10 }) });
      socket.receive({ type: "reaction", message: 14, emoji: "🎉", user: bob.id, added: true });
      socket.receive({ type: "reaction", message: 10, emoji: "👀", user: cy.id, added: true });
    });
    expect(await within(panel).findByRole("button", { name: "👍 1: Cy" })).toBeTruthy();
    expect(within(panel).getByRole("button", { name: "🎉 1: Bob" })).toBeTruthy();
    // The root is the timeline's message: its reaction shows in both places.
    expect(within(panel).getByRole("button", { name: "👀 1: Cy" })).toBeTruthy();
    expect(within(timeline()).getByRole("button", { name: "👀 1: Cy" })).toBeTruthy();

    act(() => socket.receive({ type: "reaction", message: 12, emoji: "👍", user: cy.id, added: false }));
    await waitFor(() => expect(within(panel).queryByRole("button", { name: "👍 1: Cy" })).toBeNull());
    // An edit of a reply only the panel had paged in shows too.
    act(() =>
      socket.receive({
        type: "message_edited",
        message: message(11, "me, tomorrow", { sender: cy.id, thread_root: 10 }),
      }),
    );
    await within(panel).findByText("me, tomorrow");
  });

  it("reconnects asking for what changed since its last catch-up", async () => {
    const { api, socket } = await open();
    api.on("POST", "/refresh_token", { body: { access: TEST_ACCESS_TOKEN } });
    act(() => socket.receive({ type: "caught_up", last_id: 13, has_more: false, changes: 7 }));
    act(() => {
      socket.close();
      socket.onclose?.({ code: 1006 });
    });
    act(() => {
      dispatchEvent(new Event("online"));
    });
    await waitFor(() => {
      const again = FakeSocket.opened.at(-1)!;
      expect(again).not.toBe(socket);
      expect(new URL(again.url).search).toBe("?after=13&changes=7");
    });
  });
});
