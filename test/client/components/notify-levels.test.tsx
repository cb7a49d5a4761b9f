/**
 * A room's notification level in the page: what it adds to the title while the tab is
 * hidden and to the app icon's badge, and which of its messages the page notifies of.
 */
import { render, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Chat } from "../../../client/components/chat";
import { countedUnread } from "../../../client/lib/rooms";
import type { WireMessage } from "../../../core/protocol";
import { fakeApi } from "../support/fake-api";
import { fakeSockets, socketFor } from "../support/fake-sockets";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });

/** The page's notifications, allowed, as the browser's Notification would take them. */
class ShownNotification {
  static permission = "granted";
  static shown: { title: string; body?: string }[] = [];
  onclick: (() => void) | null = null;
  constructor(title: string, options: { body?: string }) {
    ShownNotification.shown.push({ title, body: options.body });
  }
  close() {}
}

function hideTab() {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  document.dispatchEvent(new Event("visibilitychange"));
}

afterEach(() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
  document.title = "";
});

const message = (room: number, id: number, mentions?: number[]): WireMessage => ({
  id,
  room,
  sender: bob.id,
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
  content: `m${id}`,
  edited_at: null,
  deleted: false,
  ...(mentions ? { mentions } : {}),
});

describe("countedUnread", () => {
  it("counts nothing at 'nothing', mentions only at 'mentions', and everything at 'everything'", () => {
    const counts = { unread_count: 5, mention_count: 2 };
    expect(countedUnread({ ...counts, notify: "nothing" })).toEqual({ unread: 0, mentions: 0 });
    expect(countedUnread({ ...counts, notify: "mentions" })).toEqual({ unread: 2, mentions: 2 });
    expect(countedUnread({ ...counts, notify: "everything" })).toEqual({ unread: 5, mentions: 2 });
  });
});

describe("levels in the page", () => {
  it("drive the hidden tab's title, the app badge and which messages notify", async () => {
    const everything = aRoom({ title: "Loud", participants: [me, bob] });
    const mentionsOnly = aRoom({ title: "Skimmed", participants: [me, bob] });
    const nothing = aRoom({ title: "Muted", participants: [me, bob] });
    const rooms = [
      { ...everything, unread_count: 2, mention_count: 0, notify: "everything", hidden: false },
      { ...mentionsOnly, unread_count: 5, mention_count: 1, notify: "mentions", hidden: false },
      { ...nothing, unread_count: 7, mention_count: 1, notify: "nothing", hidden: false },
    ];
    const api = fakeApi();
    await signedIn(api);
    fakeSockets();
    api.on("GET", "/rooms", { body: { count: rooms.length, next: null, previous: null, results: rooms } });
    ShownNotification.shown = [];
    vi.stubGlobal("Notification", ShownNotification);
    const setAppBadge = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "setAppBadge", { configurable: true, value: setAppBadge });
    Object.defineProperty(navigator, "clearAppBadge", { configurable: true, value: vi.fn(async () => undefined) });

    render(<Chat initialMe={me} onSignOut={() => undefined} />);
    hideTab();
    // The muted room adds nothing; the mentions-only room its one mention.
    await waitFor(() => expect(document.title).toBe("(@1 · 3) Condor Chat"));
    expect(setAppBadge).toHaveBeenLastCalledWith(2);

    const inbox = await socketFor("/api/v1/inbox/socket/");
    inbox.open();
    const tell = (room: number, m: WireMessage) =>
      inbox.receive({ type: "room_message", room, title: "", message: m, first_dm: false });
    tell(nothing.id, message(nothing.id, 101, [me.id]));
    tell(mentionsOnly.id, message(mentionsOnly.id, 102));
    tell(mentionsOnly.id, message(mentionsOnly.id, 103, [me.id]));
    tell(everything.id, message(everything.id, 104));
    await waitFor(() => expect(ShownNotification.shown).toHaveLength(2));
    expect(ShownNotification.shown).toEqual([
      { title: "Bob in Skimmed mentioned you", body: "m103" },
      { title: "Bob in Loud", body: "m104" },
    ]);
  });
});
