/**
 * A room's menu in its header: its button says the room's notification level, and opens a
 * menu, worked from the keyboard as my menu is, to choose another level or hide the room.
 */
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { RoomMenu } from "../../../client/components/room-menu";
import { Sidebar } from "../../../client/components/sidebar";
import { seriousViolations } from "../support/axe";
import { apiError, fakeApi } from "../support/fake-api";
import { aListedRoom, aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const ROOM = 12;
const focusedText = () => document.activeElement?.textContent;

async function roomMenu(notify: "everything" | "mentions" | "nothing") {
  const api = fakeApi();
  await signedIn(api);
  api.on("PATCH", `/rooms/${ROOM}/membership`, ({ body }) => ({
    body: { room: ROOM, notify, notify_chosen: true, hidden: false, ...(body as object) },
  }));
  const onChanged = vi.fn();
  render(<RoomMenu roomId={ROOM} notify={notify} onChanged={onChanged} />);
  return { api, onChanged, opener: screen.getByRole("button", { name: /^Notifications:/ }) };
}

describe("RoomMenu", () => {
  it("shows the room's level, and opens on its checked level to choose another with the arrows", async () => {
    const { api, onChanged, opener } = await roomMenu("mentions");
    expect(opener.getAttribute("aria-label")).toBe("Notifications: Mentions");
    expect(opener.textContent).toContain("Mentions");
    expect(opener.getAttribute("aria-haspopup")).toBe("menu");
    expect(opener.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(opener);
    const menu = screen.getByRole("menu", { name: "This room" });
    expect(opener.getAttribute("aria-expanded")).toBe("true");
    expect(
      screen.getAllByRole("menuitemradio").map((item) => `${item.textContent} ${item.getAttribute("aria-checked")}`),
    ).toEqual(["Every message false", "Only when I am mentioned true", "Nothing (muted) false"]);
    expect(focusedText()).toBe("Only when I am mentioned");
    expect(await seriousViolations()).toEqual([]);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(focusedText()).toBe("Nothing (muted)");
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(focusedText()).toBe("Hide until someone mentions me");
    fireEvent.keyDown(menu, { key: "Home" });
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    fireEvent.click(document.activeElement!);
    await waitFor(() => expect(onChanged).toHaveBeenCalledOnce());
    expect(api.sent("PATCH", `/rooms/${ROOM}/membership`).map((request) => request.body)).toEqual([
      { notify: "nothing" },
    ]);
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it("closes on Escape with focus back on its button, and hides the room from the menu", async () => {
    const { api, onChanged, opener } = await roomMenu("nothing");
    expect(opener.getAttribute("aria-label")).toBe("Notifications: Muted");
    fireEvent.click(opener);
    fireEvent.keyDown(screen.getByRole("menu"), { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(opener);
    // Choosing the level it has already asks nothing.
    fireEvent.click(opener);
    fireEvent.click(screen.getByRole("menuitemradio", { name: "Nothing (muted)" }));
    fireEvent.click(opener);
    fireEvent.click(screen.getByRole("menuitem", { name: "Hide until someone mentions me" }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledOnce());
    expect(api.sent("PATCH", `/rooms/${ROOM}/membership`).map((request) => request.body)).toEqual([{ hidden: true }]);
  });

  it("says why when the change was refused", async () => {
    const { api, onChanged, opener } = await roomMenu("everything");
    api.on("PATCH", `/rooms/${ROOM}/membership`, apiError(403, "You are not a member of this room.", "forbidden"));
    fireEvent.click(opener);
    fireEvent.click(screen.getByRole("menuitemradio", { name: "Only when I am mentioned" }));
    expect((await screen.findByRole("alert")).textContent).toBe("You are not a member of this room.");
    expect(onChanged).not.toHaveBeenCalled();
  });
});

describe("a muted room in the sidebar", () => {
  it("is marked with a struck bell and says it is muted", async () => {
    await signedIn(fakeApi());
    const me = aUser({ username: "ada", first_name: "Ada" });
    const bob = aUser({ username: "bob", first_name: "Bob" });
    const room = (title: string, notify: "everything" | "nothing") => ({
      ...aListedRoom(aRoom({ title, participants: [me, bob] })),
      notify,
    });
    const noop = () => undefined;
    render(
      <Sidebar
        me={me}
        rooms={[room("Quiet", "nothing"), room("Loud", "everything")]}
        loaded
        openRoom={null}
        onOpenRoom={noop}
        onOpenPerson={noop}
        onNewGroup={noop}
        onBrowseOpenRooms={noop}
        onProfile={noop}
        onAdmin={noop}
        onSearchMessages={noop}
        onSignOut={noop}
        notifications="granted"
        onAskNotifications={noop}
        onPause={noop}
        onSetStatus={noop}
        onClearStatus={noop}
        onPeople={noop}
        peopleOpen={false}
      />,
    );
    const quiet = screen.getByRole("button", { name: /Quiet/ });
    expect(quiet.textContent).toContain("muted");
    expect(quiet.querySelector("svg[aria-hidden=true] path + path")).not.toBeNull();
    expect(screen.getByRole("button", { name: /Loud/ }).textContent).not.toContain("muted");
    expect(await seriousViolations()).toEqual([]);
  });
});
