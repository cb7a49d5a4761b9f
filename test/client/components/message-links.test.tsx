/**
 * Links to a message in the page: "Copy link" on every message, and a link opening its room
 * at that message (highlighted, with the live messages joining once newer pages reach them),
 * or saying that the message is out of reach.
 */

import { act, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Chat } from "../../../client/components/chat";
import { MessageItem } from "../../../client/components/conversation/message-item";
import { openMessageLink } from "../../../client/lib/message-links";
import type { WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { renderConversation } from "../support/conversation";
import { apiError, fakeApi, type SentRequest } from "../support/fake-api";
import { fakeSockets, socketFor } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });
const noop = () => undefined;

afterEach(() => history.replaceState(null, "", "/"));

const message = (room: number, id: number, content = `m${id}`): WireMessage => ({
  id,
  room,
  sender: bob.id,
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
  content,
  edited_at: null,
  deleted: false,
});

/** A room's history as the worker pages it (before, after, around, or the latest), over `stored`. */
function historyPages(stored: WireMessage[]) {
  return ({ query }: SentRequest) => {
    const limit = Number(query.get("limit") ?? 50);
    const [before, after, around] = ["before", "after", "around"].map((key) => query.get(key));
    if (around) {
      const at = stored.findIndex((m) => m.id === Number(around));
      if (at < 0) return apiError(404, "No such message in this room.", "not_found");
      const from = Math.max(0, at - Math.floor((limit - 1) / 2));
      const messages = stored.slice(from, from + limit);
      return { body: { messages, has_more: from > 0, has_newer: stored.at(-1) !== messages.at(-1) } };
    }
    if (after) {
      const rest = stored.filter((m) => m.id > Number(after));
      return { body: { messages: rest.slice(0, limit), has_more: rest.length > limit } };
    }
    const earlier = before ? stored.filter((m) => m.id < Number(before)) : stored;
    return { body: { messages: earlier.slice(-limit), has_more: earlier.length > limit } };
  };
}

const shownIds = () =>
  [...document.querySelectorAll("[role=log] [data-message-id]")].map((li) =>
    Number(li.getAttribute("data-message-id")),
  );

describe("Copy link", () => {
  const props = { sender: bob, first: true, seenBy: [], onEdit: vi.fn(), onDelete: vi.fn() };

  it("is offered on everyone's messages and copies the link to the message", async () => {
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue();
    render(<ol>{<MessageItem message={message(7, 31, "lunch at noon")} mine={false} {...props} />}</ol>);
    fireEvent.click(screen.getByRole("button", { name: "Copy link to message: lunch at noon" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("http://chat.test/rooms/7/messages/31"));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Link copied"));
    expect(await seriousViolations()).toEqual([]);
  });

  it("shows the link to copy by hand when the clipboard is refused", async () => {
    vi.spyOn(navigator.clipboard, "writeText").mockRejectedValue(new DOMException("no", "NotAllowedError"));
    render(<ol>{<MessageItem message={message(7, 31)} mine {...props} />}</ol>);
    fireEvent.click(screen.getByRole("button", { name: /Copy link/ }));
    expect((await screen.findByRole("alert")).textContent).toContain("http://chat.test/rooms/7/messages/31");
  });

  it("marks the linked message with a label, not only a colour", () => {
    render(<ol>{<MessageItem message={message(7, 31)} mine={false} linked {...props} />}</ol>);
    const item = document.querySelector("[data-message-id='31']")!;
    expect(item.textContent).toContain("Linked message");
    expect(item.className).toContain("linked");
  });
});

describe("a conversation opened at a linked message", () => {
  const room = aRoom({ id: 5, participants: [me, bob], title: "Ops" });
  // Ids in steps of two: a room's ids are not consecutive.
  const stored = Array.from({ length: 150 }, (_, i) => message(room.id, 2 * (i + 1)));

  async function open(at: number) {
    const api = fakeApi();
    await signedIn(api);
    fakeSockets();
    const pages = [...stored];
    api.on("GET", `/rooms/${room.id}/messages`, historyPages(pages));
    renderConversation(room, me, { at });
    return { api, pages };
  }

  it("shows the message highlighted and focused, then every message once as newer pages meet the live ones", async () => {
    const { api, pages } = await open(40);
    const socket = await socketFor(`/api/v1/rooms/${room.id}/socket/`);
    expect(new URL(socket.url).searchParams.get("after")).toBe("300");
    expect(api.sent("GET", `/rooms/${room.id}/messages`).some((r) => r.query.get("around") === "40")).toBe(true);
    const linked = document.querySelector<HTMLElement>("[data-message-id='40']")!;
    expect(linked.textContent).toContain("Linked message");
    await waitFor(() => expect(document.activeElement).toBe(linked));

    // Live messages while the older stretch is shown: the server has them too.
    act(() => socket.open());
    const live = [message(room.id, 301), message(room.id, 303)];
    pages.push(...live);
    act(() => {
      socket.receive({ type: "caught_up", last_id: 300, has_more: false });
      socket.receive({ type: "messages", messages: live });
    });

    // happy-dom lays nothing out, so every page is "shorter than the screen": the
    // conversation keeps fetching older and newer pages until there are no more.
    await waitFor(() => expect(screen.queryByRole("button", { name: "Load newer messages" })).toBeNull());
    await waitFor(() => expect(shownIds()).toEqual(pages.map((m) => m.id)));
    act(() => socket.receive({ type: "message", message: message(room.id, 305) }));
    expect(shownIds().at(-1)).toBe(305);
    expect(new Set(shownIds()).size).toBe(shownIds().length);
  });

  it("says there is no such message and shows the latest when the id is not in this room", async () => {
    await open(41);
    expect((await screen.findByRole("alert")).textContent).toBe(
      "No such message in this conversation. Here are its latest messages.",
    );
    await waitFor(() => expect(shownIds().at(-1)).toBe(300));
  });
});

describe("a message link in the app", () => {
  const room = aRoom({ id: 9, participants: [me, bob], title: "Ops" });

  async function chatWith(rooms: unknown[]) {
    const api = fakeApi();
    await signedIn(api);
    fakeSockets();
    api.on("GET", "/rooms", { body: { count: rooms.length, next: null, previous: null, results: rooms } });
    return api;
  }

  it("says I can't see a message in a room I am not in, and takes me back from there", async () => {
    history.replaceState(null, "", "/rooms/77/messages/5");
    const api = await chatWith([]);
    api.on("GET", "/rooms/77", apiError(403, "You are not a participant of this room.", "permission_denied"));
    render(<Chat initialMe={me} onSignOut={noop} />);
    const heading = await screen.findByRole("heading", { name: "You can't see that message" });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Back to conversations" }));
    expect(screen.queryByRole("heading", { name: "You can't see that message" })).toBeNull();
    expect(location.pathname).toBe("/");
  });

  it("says so when the room could not be reached", async () => {
    history.replaceState(null, "", "/rooms/77/messages/5");
    const api = await chatWith([]);
    api.on("GET", "/rooms/77", apiError(503, "The service is unavailable for a moment; try again.", "unavailable"));
    render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByRole("heading", { name: "Could not open that message" });
    expect(screen.getByText("The service is unavailable for a moment; try again.")).toBeTruthy();
  });

  it("opens the room at the message when a search result goes there from inside the app", async () => {
    const api = await chatWith([{ ...room, unread_count: 0 }]);
    const stored = Array.from({ length: 80 }, (_, i) => message(room.id, i + 1));
    api.on("GET", `/rooms/${room.id}/messages`, historyPages(stored));
    render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByText("Pick a conversation, or search for someone to start one.");
    act(() => openMessageLink(room.id, 12));
    await screen.findByText("Linked message");
    expect(location.pathname).toBe(`/rooms/${room.id}/messages/12`);
    expect(api.sent("GET", `/rooms/${room.id}/messages`).some((r) => r.query.get("around") === "12")).toBe(true);

    // Opening the room from the list shows its latest, and leaves the link's address.
    fireEvent.click(document.querySelector<HTMLElement>(`[data-room="${room.id}"]`)!);
    await waitFor(() => expect(screen.queryByText("Linked message")).toBeNull());
    expect(location.pathname).toBe("/");
  });

  it("opens a room past the first page of my list by asking for it", async () => {
    history.replaceState(null, "", `/rooms/${room.id}/messages/3`);
    const api = await chatWith([]);
    api.on("GET", `/rooms/${room.id}`, { body: room });
    api.on("GET", `/rooms/${room.id}/messages`, historyPages([1, 2, 3, 4].map((id) => message(room.id, id))));
    render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByText("Linked message");
    expect(screen.getByRole("heading", { name: "Ops", level: 2 })).toBeTruthy();
  });
});
