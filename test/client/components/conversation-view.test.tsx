/**
 * How a conversation reads: compact rows grouped by sender, the delivery state only on my
 * latest message, actions in a toolbar (and, on a touch screen, a sheet a long press
 * opens), deleting asked in the app's own dialog, a "New messages" line at the first I had
 * not read, and notes of joins, leaves and renames.
 */

import { act, fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RoomNote, WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { catchUp, renderConversation } from "../support/conversation";
import { fakeApi } from "../support/fake-api";
import { fakeSockets } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });
const cy = aUser({ username: "cy", first_name: "Cy" });
const dee = aUser({ username: "dee", first_name: "Dee" });
const room = aRoom({ is_group: true, title: "Ops", participants: [me, bob, cy] });

afterEach(() => {
  history.replaceState(null, "", "/");
  vi.unstubAllGlobals();
});

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 0, 1, 10, minute, second)).toISOString();
const message = (id: number, sender: number, content: string, timestamp = at(0, id)): WireMessage => ({
  id,
  room: room.id,
  sender,
  timestamp,
  content,
  edited_at: null,
  deleted: false,
});

const page = [
  message(1, bob.id, "morning"),
  message(2, bob.id, "coffee first"),
  message(3, me.id, "on my way"),
  message(4, me.id, "two minutes"),
  message(5, cy.id, "saved you a seat", at(1)),
  message(6, cy.id, "by the window", at(1, 5)),
];

type Opening = {
  reads?: Record<string, number>;
  messages?: WireMessage[];
  /** The notes of the latest page; with `older`, it has more before it. */
  notes?: RoomNote[];
  older?: { messages: WireMessage[]; notes?: RoomNote[] };
};

async function open({ reads = {}, messages = page, notes, older }: Opening = {}) {
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  api.on("GET", `/rooms/${room.id}/messages`, ({ query }) =>
    query.has("before")
      ? { body: { messages: older!.messages, has_more: false, ...(older?.notes && { notes: older.notes }) } }
      : { body: { messages, has_more: older !== undefined, ...(notes && { notes }) } },
  );
  // Someone no longer (or not yet) a participant is looked up by id, for their name.
  api.on("GET", `/profiles/${dee.id}`, { body: dee });
  api.on("DELETE", "/messages/4", { status: 204 });
  const onMembersChanged = vi.fn();
  renderConversation(room, me, { onMembersChanged });
  const socket = await catchUp(room, me, messages.at(-1)?.id ?? 0, reads);
  await within(timeline()).findByText(messages.at(-1)!.content);
  return { api, socket, onMembersChanged };
}

const timeline = () => screen.getByRole("log", { name: /Messages with/ });
const row = (text: string) => within(timeline()).getByText(text).closest("li")!;

describe("a conversation's rows", () => {
  it("names the sender once per run and gives each follow-on row its time, for hover and focus", async () => {
    await open();
    // Bob, me, Cy: one name each, mine included, whatever the room's kind.
    expect(within(timeline()).getAllByText("Bob", { exact: true })).toHaveLength(1);
    expect(within(timeline()).getAllByText("Ada", { exact: true })).toHaveLength(1);
    expect(within(timeline()).getAllByText("Cy", { exact: true })).toHaveLength(1);
    expect(within(row("morning")).queryByText("Bob")).toBeTruthy();
    expect(within(row("coffee first")).queryByText("Bob")).toBeNull();
    // Every row has its time: the first of a run beside the name, the others in the gutter.
    for (const text of ["morning", "coffee first", "by the window"])
      expect(row(text).querySelector(`time[datetime]`)).not.toBeNull();
    expect(await seriousViolations()).toEqual([]);
  });

  it("says Sent or Seen by only under my latest message", async () => {
    const { socket } = await open();
    expect(within(timeline()).getAllByText(/^(Sent|Seen by)/)).toHaveLength(1);
    expect(within(row("two minutes")).getByText("Sent")).toBeTruthy();
    expect(within(row("on my way")).queryByText("Sent")).toBeNull();
    act(() => socket.receive({ type: "read", user: bob.id, up_to: 4 }));
    expect((await within(row("two minutes")).findByText(/^Seen by/)).textContent).toBe("Seen by Bob");
    expect(within(timeline()).queryByText("Sent")).toBeNull();
  });
});

describe("a message's actions", () => {
  it("sit in a toolbar per message, and deleting asks in the app's own dialog, not the browser's", async () => {
    const browserConfirm = vi.fn(() => true);
    vi.stubGlobal("confirm", browserConfirm);
    const { api } = await open();
    const toolbar = within(row("two minutes")).getByRole("group", { name: "Actions for message: two minutes" });
    expect(within(toolbar).getByRole("button", { name: "Edit message: two minutes" })).toBeTruthy();
    expect(within(toolbar).getByRole("button", { name: "Reply to message: two minutes" })).toBeTruthy();
    expect(within(toolbar).getByRole("button", { name: "Add a reaction" })).toBeTruthy();

    fireEvent.click(within(toolbar).getByRole("button", { name: "Delete message: two minutes" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete message" });
    // The safe answer has focus; cancelling deletes nothing.
    expect(document.activeElement?.textContent).toBe("Cancel");
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(api.sent("DELETE", "/messages/4")).toHaveLength(0);

    fireEvent.click(within(toolbar).getByRole("button", { name: "Delete message: two minutes" }));
    fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    await within(timeline()).findByText("This message was deleted.");
    expect(api.sent("DELETE", "/messages/4")).toHaveLength(1);
    expect(browserConfirm).not.toHaveBeenCalled();
  });

  it("open on a touch screen in a sheet a long press brings up, with reactions, and act from there", async () => {
    vi.stubGlobal("matchMedia", (query: string) => ({ matches: query === "(hover: none)", media: query }));
    await open();
    fireEvent.contextMenu(within(timeline()).getByText("on my way"));
    const sheet = await screen.findByRole("dialog", { name: "Message actions" });
    expect(within(sheet).getByRole("button", { name: "React with 👍" })).toBeTruthy();
    expect(within(sheet).getByRole("button", { name: "Reply in thread" })).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(within(sheet).getByRole("button", { name: "Edit" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect((screen.getByLabelText("Edit message") as HTMLTextAreaElement).value).toBe("on my way");
  });

  it("leave the desktop's own context menu alone", async () => {
    vi.stubGlobal("matchMedia", (query: string) => ({ matches: false, media: query }));
    await open();
    const event = fireEvent.contextMenu(within(timeline()).getByText("on my way"));
    expect(event).toBe(true);
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("the first unread message", () => {
  it("has a New messages line above it when the room opens, and the line stays while I read", async () => {
    const { socket } = await open({ reads: { [me.id]: 2, [bob.id]: 4 } });
    const line = within(timeline()).getByText("New messages").closest("li")!;
    // My own messages are never new to me: the line is above Cy's, the first of someone else's after my mark.
    expect(line.nextElementSibling?.textContent).toContain("saved you a seat");
    act(() => socket.receive({ type: "read", user: me.id, up_to: 6 }));
    expect(within(timeline()).getByText("New messages")).toBeTruthy();
  });

  it("has none when I had read everything", async () => {
    await open({ reads: { [me.id]: 6 } });
    expect(within(timeline()).queryByText("New messages")).toBeNull();
  });
});

describe("timeline notes", () => {
  const placed = { timestamp: at(1, 30) };
  const lines = () => [...timeline().querySelectorAll("li")].map((li) => li.textContent ?? "");
  const index = (text: string) => lines().findIndex((line) => line.includes(text));
  const count = (text: string) => lines().filter((line) => line.includes(text)).length;

  it("tell who joined, who left and who renamed the group, where it happened", async () => {
    const { socket, onMembersChanged } = await open();
    act(() => {
      socket.receive({
        type: "member_joined",
        user: { id: dee.id, username: dee.username, full_name: "Dee", avatar_url: dee.avatar_url },
        note: { id: 1, kind: "joined", user: dee.id, after: 6, ...placed },
      });
      socket.receive({
        type: "renamed",
        title: "Ops weekly",
        by: bob.id,
        note: { id: 2, kind: "renamed", title: "Ops weekly", by: bob.id, after: 6, ...placed },
      });
    });
    await within(timeline()).findByText(/Dee joined the group/);
    await within(timeline()).findByText(/Bob renamed the group to “Ops weekly”/);
    act(() => {
      socket.receive({ type: "message", message: message(7, cy.id, "welcome Dee", at(1, 10)) });
      socket.receive({
        type: "member_left",
        user: cy.id,
        note: { id: 3, kind: "left", user: cy.id, after: 7, ...placed },
      });
    });
    await within(timeline()).findByText(/Cy left the group/);
    act(() =>
      socket.receive({
        type: "renamed",
        title: "Ops",
        by: me.id,
        note: { id: 4, kind: "renamed", title: "Ops", by: me.id, after: 7, ...placed },
      }),
    );
    await within(timeline()).findByText(/You renamed the group to “Ops”/);
    expect(index("by the window")).toBeLessThan(index("Dee joined the group"));
    expect(index("Dee joined the group")).toBeLessThan(index("renamed the group"));
    expect(index("renamed the group")).toBeLessThan(index("welcome Dee"));
    expect(index("welcome Dee")).toBeLessThan(index("Cy left the group"));
    // The notes break Cy's run: her next message names her again.
    expect(within(row("welcome Dee")).getByText("Cy")).toBeTruthy();
    // The room list follows each change (the new title, the members).
    expect(onMembersChanged).toHaveBeenCalledTimes(4);
    expect(await seriousViolations()).toEqual([]);
  });

  it("say who added and who removed whom, from the page on opening, each once however often it comes again", async () => {
    const notes: RoomNote[] = [
      { id: 10, kind: "joined", user: me.id, by: bob.id, after: 0, ...placed },
      { id: 11, kind: "removed", user: dee.id, by: bob.id, after: 2, ...placed },
      { id: 12, kind: "renamed", title: "Ops", by: me.id, after: 4, ...placed },
      { id: 13, kind: "joined", user: dee.id, by: me.id, after: 6, ...placed },
    ];
    const { socket, onMembersChanged } = await open({ notes });
    await within(timeline()).findByText(/Bob removed Dee from the group/);
    expect(index("Bob added you to the group")).toBeLessThan(index("morning"));
    expect(index("coffee first")).toBeLessThan(index("Bob removed Dee from the group"));
    expect(index("Bob removed Dee from the group")).toBeLessThan(index("on my way"));
    expect(index("two minutes")).toBeLessThan(index("You renamed the group to “Ops”"));
    expect(index("You renamed the group to “Ops”")).toBeLessThan(index("saved you a seat"));
    expect(index("by the window")).toBeLessThan(index("You added Dee to the group"));
    // The same notes again, from a reconnect's catch-up and a live frame: still one line each.
    act(() => {
      socket.receive({ type: "caught_up", last_id: 6, has_more: false, notes: notes.slice(2) });
      socket.receive({
        type: "member_joined",
        user: { id: dee.id, username: dee.username, full_name: "Dee", avatar_url: dee.avatar_url },
        note: notes[3],
      });
      socket.receive({
        type: "member_left",
        user: dee.id,
        by: me.id,
        note: { id: 14, kind: "removed", user: dee.id, by: me.id, after: 6, ...placed },
      });
    });
    await within(timeline()).findByText(/You removed Dee from the group/);
    for (const note of ["Bob added you", "Bob removed Dee", "You renamed", "You added Dee", "You removed Dee"])
      expect(count(note), note).toBe(1);
    expect(index("You added Dee to the group")).toBeLessThan(index("You removed Dee from the group"));
    expect(onMembersChanged).toHaveBeenCalledTimes(2);
    expect(await seriousViolations()).toEqual([]);
  });

  it("come with older pages too, in their place", async () => {
    const left: RoomNote = { id: 21, kind: "left", user: cy.id, after: 1, ...placed };
    const older = { messages: page.slice(0, 2), notes: [left] };
    await open({
      messages: page.slice(2),
      notes: [{ id: 22, kind: "renamed", title: "Ops", by: bob.id, after: 3, ...placed }],
      older,
    });
    await within(timeline()).findByText(/Bob renamed the group to “Ops”/);
    expect(index("on my way")).toBeLessThan(index("Bob renamed"));
    // The first page does not fill the screen, so the older one is fetched at once.
    await within(timeline()).findByText(/Cy left the group/);
    expect(index("morning")).toBeLessThan(index("Cy left the group"));
    expect(index("Cy left the group")).toBeLessThan(index("coffee first"));
    expect(count("Bob renamed")).toBe(1);
  });
});
