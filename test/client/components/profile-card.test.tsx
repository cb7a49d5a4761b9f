/**
 * A person's profile card from wherever the conversation names them: a sender's name or
 * picture, a name in the thread panel, a name in "Seen by"; and Message on the card opening
 * our DM (or a draft of it) from there.
 */

import { fireEvent, render, screen, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Chat } from "../../../client/components/chat";
import { ProfileCard } from "../../../client/components/profile-card";
import type { User } from "../../../client/lib/api";
import type { WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { catchUp, renderConversation } from "../support/conversation";
import { fakeApi, type SentRequest } from "../support/fake-api";
import { fakeSockets } from "../support/fake-sockets";
import { aListedRoom, aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const ana = aUser({ username: "ana", first_name: "Ana", last_name: "Lima", is_online: true });
const cy = aUser({ username: "cy", first_name: "Cy" });
const group = aRoom({ is_group: true, title: "Ops", participants: [me, ana, cy] });
const dm = aRoom({ is_group: false, title: "", participants: [me, ana] });

afterEach(() => {
  history.replaceState(null, "", "/");
  vi.unstubAllGlobals();
});

const message = (id: number, sender: number, content: string, extra: Partial<WireMessage> = {}): WireMessage => ({
  id,
  room: group.id,
  sender,
  timestamp: new Date(Date.UTC(2026, 0, 1, 10, 0, id)).toISOString(),
  content,
  edited_at: null,
  deleted: false,
  ...extra,
});

const page = [
  message(1, ana.id, "morning", { thread: { reply_count: 1, last_reply_at: null as never, participants: [cy.id] } }),
  message(2, cy.id, "hi all"),
  message(3, me.id, "on my way"),
];
page[0].thread!.last_reply_at = page[1].timestamp;
const reply = message(4, cy.id, "seconded", { thread_root: 1 });

const timeline = () => screen.getByRole("log", { name: /Messages with/ });
const row = (text: string) => within(timeline()).getByText(text).closest("li")!;

async function openConversation(onShowProfile: (person: User) => void) {
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  api.on("GET", `/rooms/${group.id}/messages`, ({ query }: SentRequest) => ({
    body: { messages: query.get("thread") === "1" ? [reply] : page, has_more: false },
  }));
  renderConversation(group, me, { onShowProfile });
  const socket = await catchUp(group, me, 3, { [ana.id]: 3 });
  await within(timeline()).findByText("on my way");
  return socket;
}

describe("a person's profile card from the conversation", () => {
  it("opens from a sender's name, a button named for them, and from their picture", async () => {
    const onShowProfile = vi.fn();
    await openConversation(onShowProfile);
    const name = within(row("morning")).getByRole("button", { name: "Show Ana Lima's profile" });
    expect(name.textContent).toBe("Ana Lima");
    fireEvent.click(name);
    expect(onShowProfile).toHaveBeenLastCalledWith(ana);
    // The picture is the same way in for a pointer; the keyboard has the name, one stop a run.
    const picture = row("hi all").querySelector<HTMLElement>("[data-profile-picture]")!;
    expect(picture.tabIndex).toBe(-1);
    fireEvent.click(picture);
    expect(onShowProfile).toHaveBeenLastCalledWith(cy);
    expect(await seriousViolations()).toEqual([]);
  });

  it("opens from a name in Seen by", async () => {
    const onShowProfile = vi.fn();
    await openConversation(onShowProfile);
    const seen = within(row("on my way")).getByText(/^Seen by/);
    expect(seen.textContent).toBe("Seen by Ana Lima");
    fireEvent.click(within(seen).getByRole("button", { name: "Show Ana Lima's profile" }));
    expect(onShowProfile).toHaveBeenLastCalledWith(ana);
  });

  it("opens from a name in the thread panel", async () => {
    const onShowProfile = vi.fn();
    await openConversation(onShowProfile);
    fireEvent.click(within(timeline()).getByRole("button", { name: /1 reply/ }));
    const panel = await screen.findByRole("complementary", { name: "Thread" });
    await within(panel).findByText("seconded");
    fireEvent.click(within(panel).getByRole("button", { name: "Show Cy's profile" }));
    expect(onShowProfile).toHaveBeenLastCalledWith(cy);
  });
});

describe("Message on a card opened in a conversation", () => {
  async function chat() {
    const api = fakeApi();
    await signedIn(api);
    fakeSockets();
    vi.stubGlobal("Notification", { permission: "default", requestPermission: async () => "granted" });
    const rooms = [aListedRoom(group), aListedRoom(dm)];
    api.on("GET", "/rooms", { body: { count: rooms.length, next: null, previous: null, results: rooms } });
    api.on("GET", `/rooms/${group.id}/messages`, { body: { messages: page, has_more: false } });
    api.on("GET", `/rooms/${dm.id}/messages`, { body: { messages: [], has_more: false } });
    render(<Chat initialMe={me} onSignOut={() => undefined} />);
    fireEvent.click(await screen.findByRole("button", { name: /Ops/ }));
    await catchUp(group, me, 3);
    await within(timeline()).findByText("morning");
  }

  it("opens our DM when we have one, and closes the card", async () => {
    await chat();
    fireEvent.click(within(row("morning")).getByRole("button", { name: "Show Ana Lima's profile" }));
    const card = screen.getByRole("dialog", { name: "Ana Lima" });
    expect(within(card).getByText("@ana")).toBeTruthy();
    expect(within(card).getByText("Online")).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(within(card).getByRole("button", { name: "Message" }));
    await screen.findByRole("heading", { name: "Ana Lima", level: 2 });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByRole("log", { name: "Messages with Ana Lima" })).toBeTruthy();
  });

  it("starts a draft DM with someone I have none with", async () => {
    await chat();
    fireEvent.click(row("hi all").querySelector<HTMLElement>("[data-profile-picture]")!);
    const card = screen.getByRole("dialog", { name: "Cy" });
    fireEvent.click(within(card).getByRole("button", { name: "Message" }));
    expect(await screen.findByText("This is the start of your conversation with Cy.")).toBeTruthy();
  });

  it("offers no Message on my own card", async () => {
    await chat();
    fireEvent.click(within(row("on my way")).getByRole("button", { name: "Show Ada's profile" }));
    const card = screen.getByRole("dialog", { name: "Ada" });
    expect(within(card).queryByRole("button", { name: "Message" })).toBeNull();
  });
});

describe("the card of someone who changed since the page loaded", () => {
  it("shows them as they are now: a status set after the page heard of them", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on("GET", `/profiles/${cy.id}`, () => ({
      body: { ...cy, status_emoji: "🗓️", status_text: "In a meeting", status_until: null },
    }));
    render(<ProfileCard person={cy} me={me} onMessage={() => undefined} onClose={() => undefined} />);
    const card = screen.getByRole("dialog", { name: "Cy" });
    await within(card).findByText(/In a meeting/);
  });
});
