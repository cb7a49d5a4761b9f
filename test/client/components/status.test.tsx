/**
 * A status and paused notifications, from the user menu: setting, changing and clearing my
 * status, and where others' show (the directory, their card, a DM's header, the list);
 * pausing notifications for a while, which silences the page's own (the title still
 * counts) and ends by itself.
 */
import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Chat } from "../../../client/components/chat";
import type { User } from "../../../client/lib/api";
import { clockTime } from "../../../client/lib/times";
import type { RoomSummary } from "../../../client/lib/use-inbox";
import type { WireMessage } from "../../../core/protocol";
import { seriousViolations } from "../support/axe";
import { apiError, fakeApi } from "../support/fake-api";
import { fakeSockets, socketFor } from "../support/fake-sockets";
import { aListedRoom, aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "rita", first_name: "Rita", last_name: "Root" });
const bob = aUser({
  username: "bob",
  first_name: "Bob",
  status_emoji: "🌴",
  status_text: "On holiday",
  status_until: null,
});
const cy = aUser({ username: "cy", first_name: "Cy", status_emoji: "🤒", status_text: "Out sick", status_until: null });

/** The page's notifications, allowed, as the browser's Notification would take them. */
class ShownNotification {
  static permission = "granted";
  static shown: string[] = [];
  onclick: (() => void) | null = null;
  constructor(title: string) {
    ShownNotification.shown.push(title);
  }
  static async requestPermission() {
    return "granted";
  }
  close() {}
}

afterEach(() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
  document.title = "";
});

/** The app signed in as `initialMe` with `rooms`; PATCHes of my profile answered as the server would. */
async function chatAs(initialMe: User, rooms: RoomSummary[] = []) {
  const api = fakeApi();
  await signedIn(api);
  fakeSockets();
  ShownNotification.shown = [];
  vi.stubGlobal("Notification", ShownNotification);
  api.on("GET", "/rooms", { body: { count: rooms.length, next: null, previous: null, results: rooms } });
  api.on("GET", "/profiles/get_available_users", { body: [bob, cy] });
  let current: User = initialMe;
  api.on("PATCH", `/profiles/${initialMe.id}`, ({ body }) => {
    const changes = body as Record<string, string | null>;
    const { status_emoji: _, status_text: __, status_until: ___, ...rest } = current;
    if ("dnd_until" in changes) current = { ...current, dnd_until: changes.dnd_until };
    if ("status_emoji" in changes || "status_text" in changes) {
      const status = changes.status_emoji || changes.status_text;
      current = status
        ? {
            ...rest,
            status_emoji: changes.status_emoji ?? "",
            status_text: changes.status_text ?? "",
            status_until: changes.status_until ?? null,
          }
        : rest;
    }
    return { body: current };
  });
  render(<Chat initialMe={initialMe} onSignOut={() => undefined} />);
  await screen.findByRole("heading", { name: "Conversations" });
  return api;
}

const openMenu = () => fireEvent.click(screen.getByRole("button", { name: /Rita Root/ }));
const menuItems = () =>
  within(screen.getByRole("menu"))
    .getAllByRole("menuitem")
    .map((item) => item.textContent);

describe("my status", () => {
  it("is set from the menu with a preset, shows at my name, and is cleared from the menu", async () => {
    const api = await chatAs(me);
    openMenu();
    fireEvent.click(screen.getByRole("menuitem", { name: "Set a status" }));
    const dialog = await screen.findByRole("dialog", { name: "Set a status" });
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(within(dialog).getByRole("button", { name: /In a meeting/ }));
    expect((within(dialog).getByLabelText("Emoji") as HTMLInputElement).value).toBe("🗓️");
    expect((within(dialog).getByLabelText("Status") as HTMLInputElement).value).toBe("In a meeting");
    expect((within(dialog).getByLabelText("Clear after") as HTMLSelectElement).value).toBe("1h");
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());

    const [sent] = api.sent("PATCH", `/profiles/${me.id}`);
    const body = sent.body as { status_emoji: string; status_text: string; status_until: string };
    expect(body).toMatchObject({ status_emoji: "🗓️", status_text: "In a meeting" });
    expect(Date.parse(body.status_until) - Date.now()).toBeGreaterThan(3_500_000);
    expect(screen.getByRole("button", { name: /Rita Root/ }).textContent).toContain("🗓️");

    openMenu();
    expect(menuItems()).toContain("Change status");
    fireEvent.click(screen.getByRole("menuitem", { name: "Clear status" }));
    await waitFor(() => expect(screen.getByRole("button", { name: /Rita Root/ }).textContent).not.toContain("🗓️"));
    expect(api.sent("PATCH", `/profiles/${me.id}`)[1].body).toEqual({ status_emoji: null, status_text: null });
    openMenu();
    expect(menuItems()).toContain("Set a status");
    expect(menuItems()).not.toContain("Clear status");
  });

  it("is written freely, and the server's refusal shows under its field with the dialog kept open", async () => {
    const api = await chatAs(me);
    api.on(
      "PATCH",
      `/profiles/${me.id}`,
      apiError(400, "The status emoji must be one emoji.", "invalid", { status_emoji: "must be one emoji" }),
    );
    openMenu();
    fireEvent.click(screen.getByRole("menuitem", { name: "Set a status" }));
    const dialog = await screen.findByRole("dialog", { name: "Set a status" });
    fireEvent.input(within(dialog).getByLabelText("Emoji"), { target: { value: "palm" } });
    fireEvent.input(within(dialog).getByLabelText("Status"), { target: { value: "<b>Away</b>" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    const emoji = within(dialog).getByLabelText("Emoji");
    await waitFor(() => expect(emoji.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(emoji.getAttribute("aria-describedby")!)?.textContent).toBe(
      "The status emoji must be one emoji.",
    );
    expect(within(dialog).getByRole("alert").textContent).toBe("The status emoji must be one emoji.");
    expect(api.sent("PATCH", `/profiles/${me.id}`)[0].body).toEqual({
      status_emoji: "palm",
      status_text: "<b>Away</b>",
      status_until: null,
    });
  });
});

describe("others' status", () => {
  it("shows in the directory and on their card, as text", async () => {
    await chatAs(me);
    fireEvent.click(screen.getByRole("button", { name: "People" }));
    const directory = await screen.findByRole("region", { name: "People" });
    expect(await within(directory).findByText("🌴 On holiday")).toBeTruthy();
    expect(within(directory).getByText("🤒 Out sick")).toBeTruthy();
    fireEvent.click(within(directory).getByRole("button", { name: "Bob's profile" }));
    const card = screen.getByRole("dialog", { name: "Bob" });
    expect(within(card).getByText("🌴 On holiday")).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);
  });

  it("shows beside the name in our DM's header, and its emoji after the name in the list", async () => {
    const dm = aListedRoom(aRoom({ is_group: false, participants: [me, bob] }));
    await chatAs(me, [dm]);
    const row = await screen.findByRole("button", { name: /Bob/ });
    expect(within(row).getByText("🌴").getAttribute("aria-hidden")).toBe("true");
    expect(within(row).getByText("Status: 🌴 On holiday")).toBeTruthy();
    fireEvent.click(row);
    const header = (await screen.findByRole("heading", { name: "Bob", level: 2 })).parentElement!;
    expect(header.textContent).toContain("🌴 On holiday");
  });

  it("is not shown once it has ended", async () => {
    const ended = aUser({
      first_name: "Dee",
      status_emoji: "🚌",
      status_text: "Commuting",
      status_until: new Date(Date.now() - 1000).toISOString(),
    });
    await chatAs(me, [aListedRoom(aRoom({ is_group: false, participants: [me, ended] }))]);
    const row = await screen.findByRole("button", { name: /Dee/ });
    expect(row.textContent).not.toContain("🚌");
  });
});

describe("pausing notifications", () => {
  it("offers 30 minutes, 1 hour and tomorrow morning, and says until when once paused", async () => {
    const api = await chatAs(me);
    openMenu();
    const pause = within(screen.getByRole("menu")).getByRole("group", { name: "Pause notifications" });
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    tomorrow.setHours(9, 0, 0, 0);
    expect(
      within(pause)
        .getAllByRole("menuitem")
        .map((item) => item.textContent),
    ).toEqual(["For 30 minutes", "For 1 hour", `Until tomorrow, ${clockTime(tomorrow.toISOString())}`]);
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(within(pause).getByRole("menuitem", { name: "For 1 hour" }));

    const sent = await waitFor(() => {
      const [patch] = api.sent("PATCH", `/profiles/${me.id}`);
      expect(patch).toBeDefined();
      return patch;
    });
    const until = (sent.body as { dnd_until: string }).dnd_until;
    expect(Math.abs(Date.parse(until) - Date.now() - 3_600_000)).toBeLessThan(60_000);
    const line = `Notifications paused until ${clockTime(until)}`;
    expect(await screen.findByText(line)).toBeTruthy();
    openMenu();
    expect(within(screen.getByRole("menu")).getByRole("group", { name: line })).toBeTruthy();
    fireEvent.click(screen.getByRole("menuitem", { name: "Resume notifications" }));
    await waitFor(() => expect(screen.queryByText(line)).toBeNull());
    expect(api.sent("PATCH", `/profiles/${me.id}`)[1].body).toEqual({ dnd_until: null });
  });

  it("silences the page's notifications while the title still counts, and ends by itself at its time", async () => {
    const dm = aListedRoom(aRoom({ is_group: false, participants: [me, bob] }));
    // Long enough for the first message to arrive while paused, however slow the machine.
    const until = new Date(Date.now() + 2500).toISOString();
    await chatAs({ ...me, dnd_until: until }, [dm]);
    await screen.findByRole("button", { name: /Bob/ });
    expect(screen.getByText(`Notifications paused until ${clockTime(until)}`)).toBeTruthy();
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    document.dispatchEvent(new Event("visibilitychange"));
    const inbox = await socketFor("/api/v1/inbox/socket/");
    inbox.open();
    const message = (id: number): WireMessage => ({
      id,
      room: dm.id,
      sender: bob.id,
      timestamp: new Date().toISOString(),
      content: `m${id}`,
      edited_at: null,
      deleted: false,
    });
    inbox.receive({ type: "room_message", room: dm.id, title: "", message: message(1), first_dm: false });
    await waitFor(() => expect(document.title).toBe("(1) Condor Chat"));
    expect(ShownNotification.shown).toEqual([]);

    // No reload: the line goes when the time comes, and the next message is shown.
    await waitFor(() => expect(screen.queryByText(/Notifications paused/)).toBeNull(), { timeout: 5000 });
    inbox.receive({ type: "room_message", room: dm.id, title: "", message: message(2), first_dm: false });
    await waitFor(() => expect(ShownNotification.shown).toEqual(["Bob"]));
  }, 10_000);
});
