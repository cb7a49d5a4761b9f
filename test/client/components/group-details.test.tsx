import { fireEvent, render, screen, within } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { describe, expect, it, vi } from "vitest";
import { GroupDetails } from "../../../client/components/group-details";
import type { Room, User } from "../../../client/lib/api";
import { apiError, fakeApi } from "../support/fake-api";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const owner = aUser({ username: "olga", first_name: "Olga", is_online: true });
const member = aUser({ username: "mo", first_name: "Mo", is_online: false });
const quiet = aUser({ username: "quinn", first_name: "Quinn", is_online: null });
const newcomer = aUser({ username: "nina", first_name: "Nina" });

async function details(room: Room, me: User) {
  const api = fakeApi();
  await signedIn(api);
  api.on("GET", "/profiles/get_available_users", { body: [owner, member, quiet, newcomer] });
  const props = { onChanged: vi.fn(), onLeft: vi.fn(), onClose: vi.fn() };
  render(<GroupDetails room={room} me={me} {...props} />);
  return { api, ...props };
}

const group = () => aRoom({ title: "Ops", participants: [owner, member, quiet], created_by: owner.id });

describe("GroupDetails", () => {
  it("lists the members with their presence: online, offline or unknown", async () => {
    await details(group(), member);
    const members = within(screen.getByRole("list", { name: "Members" }));
    const [olga, mo, quinn] = members.getAllByRole("listitem");
    expect(within(olga).getByRole("img", { name: "online" })).toBeTruthy();
    // Each begins with their initial: the picture of someone who never chose one.
    expect(olga.textContent).toBe("OOlgaowner");
    expect(within(mo).getByRole("img", { name: "offline" })).toBeTruthy();
    expect(mo.textContent).toBe("MMoyou");
    expect(within(quinn).queryByRole("img", { name: /online|offline/ })).toBeNull();
    expect(quinn.textContent).toBe("QQuinnpresence unknown");
  });

  it("hides renaming and removing from a member who is not the owner, but lets them add people and leave", async () => {
    await details(group(), member);
    expect(screen.queryByLabelText("Group title")).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove/ })).toBeNull();
    expect(screen.getByLabelText("Add people")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Leave group" })).toBeTruthy();
  });

  it("lets the owner remove a member, and not themselves", async () => {
    const room = group();
    const { api, onChanged } = await details(room, owner);
    api.on("DELETE", `/rooms/${room.id}/members/${member.id}`, { status: 204 });
    expect(screen.queryByRole("button", { name: "Remove Olga" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Remove Mo" }));
    expect(api.sent("DELETE", `/rooms/${room.id}/members/${member.id}`)).toHaveLength(0);
    const sure = screen.getByRole("dialog", { name: "Remove Mo?" });
    fireEvent.click(within(sure).getByRole("button", { name: "Remove" }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalledWith({ ...room, participants: [owner, quiet] }));
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "3 members" }));
    expect(api.sent("DELETE", `/rooms/${room.id}/members/${member.id}`)).toHaveLength(1);
  });

  it("gives renaming and removing to the member who became owner when the creator left", async () => {
    await details(
      aRoom({ title: "Ops", participants: [member, quiet], created_by: owner.id, owner: member.id }),
      member,
    );
    expect(screen.getByLabelText("Group title")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Remove Quinn" })).toBeTruthy();
  });

  it("lets a superuser who did not create the group remove people", async () => {
    await details(group(), aUser({ username: "root", is_superuser: true }));
    expect(screen.getByRole("button", { name: "Remove Mo" })).toBeTruthy();
  });

  it("renames the group for its owner and shows a blank title refused", async () => {
    const room = group();
    const { api, onChanged } = await details(room, owner);
    api.on("PATCH", `/rooms/${room.id}`, ({ body }) => {
      const title = (body as { title: string }).title;
      return title
        ? { body: { ...room, title } }
        : apiError(400, "The title must not be blank.", "invalid", { title: "must not be blank" });
    });
    const title = screen.getByLabelText("Group title");
    fireEvent.input(title, { target: { value: "Night shift" } });
    fireEvent.click(screen.getByRole("button", { name: "Rename" }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalledWith({ ...room, title: "Night shift" }));
    fireEvent.input(title, { target: { value: "   " } });
    fireEvent.click(screen.getByRole("button", { name: "Rename" }));
    expect(await screen.findByText("The title must not be blank.")).toBeTruthy();
  });

  it("lets the owner open the group to everyone, and only a superuser make new people join it", async () => {
    const room = group();
    const { api, onChanged } = await details(room, owner);
    expect(screen.queryByRole("checkbox", { name: /New people join it/ })).toBeNull();
    api.on("PATCH", `/rooms/${room.id}`, ({ body }) => ({ body: { ...room, ...(body as object) } }));
    fireEvent.click(screen.getByRole("checkbox", { name: /Anyone can find and join it/ }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalledWith({ ...room, open: true }));
    expect(api.sent("PATCH", `/rooms/${room.id}`)[0].body).toEqual({ open: true });
  });

  it("lets a superuser make the group one every new person joins, and shows a refusal", async () => {
    const room = group();
    const { api, onChanged } = await details(room, aUser({ username: "root", is_superuser: true }));
    api.on(
      "PATCH",
      `/rooms/${room.id}`,
      apiError(403, "Only a superuser chooses the rooms new people join.", "forbidden"),
    );
    const joins = screen.getByRole("checkbox", { name: /New people join it/ });
    fireEvent.click(joins);
    expect(await screen.findByText("Only a superuser chooses the rooms new people join.")).toBeTruthy();
    expect((joins as HTMLInputElement).checked).toBe(false);
    expect(onChanged).not.toHaveBeenCalled();
    expect(api.sent("PATCH", `/rooms/${room.id}`)[0].body).toEqual({ default: true });
  });

  it("adds people who are not members yet", async () => {
    const room = group();
    const { api, onChanged } = await details(room, member);
    api.on("POST", `/rooms/${room.id}/members`, { body: { ...room, participants: [...room.participants, newcomer] } });
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "n" } });
    const matches = await screen.findByRole("list", { name: "Matching people" });
    await within(matches).findByRole("button", { name: "Add Nina" });
    expect(within(matches).getAllByRole("listitem")).toHaveLength(1);
    fireEvent.click(within(matches).getByRole("button", { name: "Add Nina" }));
    fireEvent.click(screen.getByRole("button", { name: "Add Nina to the group" }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(api.sent("POST", `/rooms/${room.id}/members`)[0].body).toEqual({ participants: [newcomer.id] });
  });

  it("leaves the group", async () => {
    const room = group();
    const { api, onLeft } = await details(room, member);
    api.on("POST", `/rooms/${room.id}/leave`, { status: 204 });
    fireEvent.click(screen.getByRole("button", { name: "Leave group" }));
    const sure = screen.getByRole("dialog", { name: "Leave this group?" });
    fireEvent.click(within(sure).getByRole("button", { name: "Leave group" }));
    await vi.waitFor(() => expect(onLeft).toHaveBeenCalledOnce());
  });

  it("asks before leaving or removing, and does nothing when I say no", async () => {
    const room = group();
    const { api, onLeft, onChanged } = await details(room, owner);
    fireEvent.click(screen.getByRole("button", { name: "Leave group" }));
    const sure = screen.getByRole("dialog", { name: "Leave this group?" });
    // The safe answer has the focus.
    expect(document.activeElement).toBe(within(sure).getByRole("button", { name: "Cancel" }));
    fireEvent.click(within(sure).getByRole("button", { name: "Cancel" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove Mo" }));
    fireEvent.keyDown(
      within(screen.getByRole("dialog", { name: "Remove Mo?" })).getByRole("button", { name: "Cancel" }),
      {
        key: "Escape",
      },
    );
    expect(screen.queryByRole("dialog", { name: "Remove Mo?" })).toBeNull();
    expect(screen.getByRole("dialog", { name: "Group details" })).toBeTruthy();
    expect(api.requests).toEqual([]);
    expect(onLeft).not.toHaveBeenCalled();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("shows the API's refusal when a removal is not allowed after all", async () => {
    const room = group();
    const { api, onChanged } = await details(room, owner);
    api.on(
      "DELETE",
      `/rooms/${room.id}/members/${member.id}`,
      apiError(403, "Only the room's creator or a superuser can do that.", "permission_denied"),
    );
    fireEvent.click(screen.getByRole("button", { name: "Remove Mo" }));
    fireEvent.click(within(screen.getByRole("dialog", { name: "Remove Mo?" })).getByRole("button", { name: "Remove" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Only the room's creator or a superuser can do that.");
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("offers neither leaving nor adding in a direct message", async () => {
    await details(
      aRoom({ title: "mo - olga", is_group: false, participants: [member, owner], created_by: member.id }),
      member,
    );
    expect(screen.getByRole("dialog", { name: "Conversation details" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Leave group" })).toBeNull();
    expect(screen.queryByLabelText("Add people")).toBeNull();
    expect(screen.queryByLabelText("Group title")).toBeNull();
  });

  it("closes on Escape and gives focus back to the button that opened it", async () => {
    await signedIn(fakeApi());
    const room = group();
    function Header() {
      const [open, setOpen] = useState(false);
      return (
        <>
          <button type="button" onClick={() => setOpen(true)}>
            Group info
          </button>
          {open && (
            <GroupDetails
              room={room}
              me={member}
              onChanged={() => undefined}
              onLeft={() => undefined}
              onClose={() => setOpen(false)}
            />
          )}
        </>
      );
    }
    render(<Header />);
    const opener = screen.getByRole("button", { name: "Group info" });
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole("dialog", { name: "Group details" });
    expect(dialog.contains(document.activeElement)).toBe(true);
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
