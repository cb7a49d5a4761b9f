/**
 * Replies and threads in the page: a quote-reply (the quote above the composer, then in the
 * message with a way back to the quoted one), a root's reply summary, and the thread panel
 * with its replies, live, its own composer, and Esc to close it.
 */
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { Conversation } from "../../../client/components/conversation";
import type { WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { fakeApi, type SentRequest } from "../support/fake-api";
import { fakeSockets, socketFor } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });
const cy = aUser({ username: "cy", first_name: "Cy" });
const room = aRoom({ is_group: true, participants: [me, bob, cy] });
const noop = () => undefined;

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

async function open() {
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  api.on("GET", `/rooms/${room.id}/messages`, ({ query }: SentRequest) =>
    query.get("thread") === "10"
      ? { body: { messages: replies, has_more: false } }
      : { body: { messages: [root, message(13, "next topic")], has_more: false } },
  );
  render(
    <Conversation
      room={room}
      me={me}
      hidden={false}
      onBack={noop}
      onDetails={noop}
      onMessage={noop}
      onMembersChanged={noop}
      onRead={noop}
    />,
  );
  const socket = await socketFor(`/api/v1/rooms/${room.id}/socket/`);
  act(() => {
    socket.open();
    socket.receive({ type: "welcome", room: room.id, you: me.id, reads: {} });
    socket.receive({ type: "caught_up", last_id: 13, has_more: false });
  });
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
});
