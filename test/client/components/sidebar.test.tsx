/**
 * The sidebar and the app around it: my tools behind one menu at my name, the people
 * directory offered to someone with no conversations, and the list following what others
 * change (a group's new title, an edited or deleted last message) as the inbox tells it.
 */
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { Chat } from "../../../client/components/chat";
import type { RoomSummary } from "../../../client/lib/use-inbox";
import type { WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { fakeApi } from "../support/fake-api";
import { fakeSockets, socketFor } from "../support/fake-sockets";
import { aListedRoom, aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "rita", first_name: "Rita", last_name: "Root" });
const bob = aUser({ username: "bob", first_name: "Bob", is_online: true });
const cy = aUser({ username: "cy", first_name: "Cy", last_name: "Young" });
const noop = () => undefined;

const message = (room: number, id: number, content: string): WireMessage => ({
  id,
  room,
  sender: bob.id,
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
  content,
  edited_at: null,
  deleted: false,
});

async function chatWith(rooms: RoomSummary[], { permission = "default" as NotificationPermission } = {}) {
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  vi.stubGlobal("Notification", { permission, requestPermission: async () => "granted" });
  api.on("GET", "/rooms", { body: { count: rooms.length, next: null, previous: null, results: rooms } });
  api.on("GET", "/profiles/get_available_users", { body: [bob, cy] });
  return api;
}

const openMenu = () => fireEvent.click(screen.getByRole("button", { name: /Rita Root/ }));

describe("the user menu", () => {
  it("keeps profile, notifications, admin and sign out behind my name", async () => {
    await chatWith([]);
    const onSignOut = vi.fn();
    render(<Chat initialMe={{ ...me, is_superuser: true }} onSignOut={onSignOut} />);
    await screen.findByRole("heading", { name: "Conversations" });
    expect(screen.queryByRole("menuitem", { name: "Sign out" })).toBeNull();
    const opener = screen.getByRole("button", { name: /Rita Root/ });
    expect(opener.getAttribute("aria-haspopup")).toBe("menu");
    openMenu();
    const menu = screen.getByRole("menu");
    expect(opener.getAttribute("aria-expanded")).toBe("true");
    expect(
      within(menu)
        .getAllByRole("menuitem")
        .map((item) => item.textContent),
    ).toEqual([
      "Set a status",
      "Profile",
      "Turn on notifications",
      "For 30 minutes",
      "For 1 hour",
      expect.stringMatching(/^Until tomorrow, /),
      "Admin",
      "Sign out",
    ]);
    expect(document.activeElement).toBe(within(menu).getAllByRole("menuitem")[0]);
    expect(await seriousViolations()).toEqual([]);

    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(document.activeElement?.textContent).toBe("Turn on notifications");
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(opener);

    openMenu();
    fireEvent.click(screen.getByRole("menuitem", { name: "Sign out" }));
    expect(onSignOut).toHaveBeenCalled();
  });

  it("opens the admin page only for superusers", async () => {
    await chatWith([]);
    render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByRole("heading", { name: "Conversations" });
    openMenu();
    expect(screen.queryByRole("menuitem", { name: "Admin" })).toBeNull();
  });

  it("stops offering notifications once they are allowed, and says so when they are blocked", async () => {
    await chatWith([], { permission: "granted" });
    const { unmount } = render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByRole("heading", { name: "Conversations" });
    openMenu();
    expect(screen.queryByRole("menuitem", { name: "Turn on notifications" })).toBeNull();
    expect(screen.getByRole("menuitem", { name: "Notifications: on" })).toBeTruthy();
    unmount();

    await chatWith([], { permission: "denied" });
    render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByRole("heading", { name: "Conversations" });
    openMenu();
    expect(screen.getByRole("menuitem", { name: "Notifications: blocked" })).toBeTruthy();
  });

  it("turns notifications on from the menu, which then says they are on", async () => {
    await chatWith([]);
    render(<Chat initialMe={me} onSignOut={noop} />);
    await screen.findByRole("heading", { name: "Conversations" });
    openMenu();
    fireEvent.click(screen.getByRole("menuitem", { name: "Turn on notifications" }));
    await waitFor(() => expect(screen.queryByRole("menu")).toBeNull());
    openMenu();
    await screen.findByRole("menuitem", { name: "Notifications: on" });
  });
});

describe("the people directory", () => {
  it("is offered to someone with no conversations, and opens a DM with a colleague", async () => {
    await chatWith([]);
    render(<Chat initialMe={me} onSignOut={noop} />);
    fireEvent.click(await screen.findByRole("button", { name: "Find people to message" }));
    const directory = await screen.findByRole("region", { name: "People" });
    await within(directory).findByText("Bob");
    expect(within(directory).getByText("@cy")).toBeTruthy();
    expect(within(directory).getByRole("img", { name: "online" })).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);

    fireEvent.input(within(directory).getByLabelText("Search people"), { target: { value: "young" } });
    await waitFor(() => expect(within(directory).queryByText("Bob")).toBeNull());
    fireEvent.click(within(directory).getByRole("button", { name: "Message Cy Young" }));
    await screen.findByRole("heading", { name: "Cy Young", level: 2 });
  });

  it("shows a colleague's profile card from their picture, with Message", async () => {
    await chatWith([]);
    render(<Chat initialMe={me} onSignOut={noop} />);
    fireEvent.click(await screen.findByRole("button", { name: "People" }));
    const directory = await screen.findByRole("region", { name: "People" });
    fireEvent.click(await within(directory).findByRole("button", { name: "Bob's profile" }));
    const card = screen.getByRole("dialog", { name: "Bob" });
    expect(within(card).getByText("@bob")).toBeTruthy();
    expect(within(card).getByText("Online")).toBeTruthy();
    expect(within(card).getByRole("link", { name: "bob@example.com" })).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(within(card).getByRole("button", { name: "Message" }));
    await screen.findByRole("heading", { name: "Bob", level: 2 });
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("the conversation list follows others' changes", () => {
  it("shows a group's new title as soon as the inbox tells of it, in the list and the open room", async () => {
    const group = aListedRoom(aRoom({ title: "Ops", participants: [me, bob] }));
    const api = await chatWith([group]);
    api.on("GET", `/rooms/${group.id}/messages`, { body: { messages: [], has_more: false } });
    render(<Chat initialMe={me} onSignOut={noop} />);
    fireEvent.click(await screen.findByRole("button", { name: /Ops/ }));
    await screen.findByRole("heading", { name: "Ops", level: 2 });
    const inbox = await socketFor("/api/v1/inbox/socket/");
    act(() => inbox.receive({ type: "room_renamed", room: group.id, title: "Operations" }));
    await screen.findByRole("heading", { name: "Operations", level: 2 });
    expect(document.querySelector(`[data-room="${group.id}"]`)?.textContent).toContain("Operations");
  });

  it("shows the last message's edit and delete in the preview as the inbox tells of them", async () => {
    const group = aListedRoom(aRoom({ title: "Ops", participants: [me, bob] }));
    const first = message(group.id, 1, "lunch at noon?");
    await chatWith([{ ...group, messages: [first] }]);
    render(<Chat initialMe={me} onSignOut={noop} />);
    const item = () => document.querySelector(`[data-room="${group.id}"]`)!.textContent;
    await waitFor(() => expect(item()).toContain("lunch at noon?"));
    const inbox = await socketFor("/api/v1/inbox/socket/");
    act(() =>
      inbox.receive({
        type: "message_changed",
        room: group.id,
        message: { ...first, content: "lunch at one?", edited_at: first.timestamp },
      }),
    );
    await waitFor(() => expect(item()).toContain("lunch at one?"));
    // A change to an older message is not the preview.
    act(() => inbox.receive({ type: "message_changed", room: group.id, message: message(group.id, 0, "old") }));
    act(() =>
      inbox.receive({ type: "message_changed", room: group.id, message: { ...first, content: "", deleted: true } }),
    );
    await waitFor(() => expect(item()).toContain("Message deleted"));
    expect(item()).not.toContain("old");
  });
});
