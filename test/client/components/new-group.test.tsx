import { fireEvent, render, screen, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { NewGroup } from "../../../client/components/new-group";
import type { User } from "../../../client/lib/api";
import { apiError, fakeApi } from "../support/fake-api";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada" });
const alice = aUser({ username: "alice", first_name: "Alice", last_name: "Liddell", is_online: true });
const alan = aUser({ username: "alan", first_name: "Alan", last_name: "Turing", is_online: null });

async function newGroup() {
  const api = fakeApi();
  await signedIn(api);
  api.on("GET", "/profiles/get_available_users", ({ query }) => {
    if (query.has("email")) return { body: [] };
    const term = (query.get("full_name") ?? "").toLowerCase();
    return { body: [alice, alan].filter((user) => user.full_name.toLowerCase().includes(term)) };
  });
  const onCreated = vi.fn();
  const onClose = vi.fn();
  render(<NewGroup onCreated={onCreated} onClose={onClose} />);
  return { api, onCreated, onClose };
}

describe("NewGroup", () => {
  it("searches as you type, once per pause, and shows who is online", async () => {
    const { api } = await newGroup();
    const search = screen.getByLabelText("Add people");
    fireEvent.input(search, { target: { value: "a" } });
    fireEvent.input(search, { target: { value: "al" } });
    fireEvent.input(search, { target: { value: "ali" } });
    const matches = await screen.findByRole("list", { name: "Matching people" });
    expect(await within(matches).findByRole("button", { name: "Add Alice Liddell" })).toBeTruthy();
    expect(within(matches).queryByRole("button", { name: "Add Alan Turing" })).toBeNull();
    expect(within(matches).getByRole("img", { name: "online" })).toBeTruthy();
    expect(api.sent("GET", "/profiles/get_available_users").map((r) => r.query.get("full_name"))).toEqual(["ali"]);
  });

  it("searches by email when the words look like one, and says when no one matches", async () => {
    const { api } = await newGroup();
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "nobody@example.com" } });
    expect(await screen.findByText("No one else matches.")).toBeTruthy();
    const [search] = api.sent("GET", "/profiles/get_available_users");
    expect(search.query.get("email")).toBe("nobody@example.com");
    expect(search.query.has("full_name")).toBe(false);
  });

  it("creates the group with its title and the chosen people", async () => {
    const { api, onCreated } = await newGroup();
    const created = aRoom({ title: "Tea party", participants: [me, alice] });
    api.on("POST", "/rooms", { status: 201, body: created });
    fireEvent.input(screen.getByLabelText("Title"), { target: { value: "  Tea party " } });
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "al" } });
    fireEvent.click(await screen.findByRole("button", { name: "Add Alice Liddell" }));
    expect(document.activeElement).toBe(screen.getByLabelText("Add people"));
    const chosen = screen.getByRole("list", { name: "Chosen people" });
    expect(within(chosen).getByRole("button", { name: "Remove Alice Liddell" })).toBeTruthy();
    expect(
      within(screen.getByRole("list", { name: "Matching people" })).queryByRole("button", {
        name: "Add Alice Liddell",
      }),
    ).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Create group" }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalledWith(created));
    expect(api.sent("POST", "/rooms")[0].body).toEqual({ title: "Tea party", participants: [alice.id], open: false });
  });

  it("makes the group open when asked", async () => {
    const { api, onCreated } = await newGroup();
    api.on("POST", "/rooms", { status: 201, body: aRoom({ title: "Lobby", participants: [me], open: true }) });
    fireEvent.input(screen.getByLabelText("Title"), { target: { value: "Lobby" } });
    fireEvent.click(screen.getByRole("checkbox", { name: /Open/ }));
    fireEvent.click(screen.getByRole("button", { name: "Create group" }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(api.sent("POST", "/rooms")[0].body).toEqual({ title: "Lobby", participants: [], open: true });
  });

  it("empties the search on Escape before Escape closes the dialog", async () => {
    const { onClose } = await newGroup();
    const search = screen.getByLabelText("Add people") as HTMLInputElement;
    fireEvent.input(search, { target: { value: "al" } });
    fireEvent.keyDown(search, { key: "Escape" });
    expect(search.value).toBe("");
    expect(onClose).not.toHaveBeenCalled();
    fireEvent.keyDown(search, { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
  });

  it("lets a chosen person be taken off again", async () => {
    await newGroup();
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "alan" } });
    fireEvent.click(await screen.findByRole("button", { name: "Add Alan Turing" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove Alan Turing" }));
    expect(screen.queryByRole("list", { name: "Chosen people" })).toBeNull();
    expect(screen.getByText("presence unknown")).toBeTruthy();
  });

  it("asks for a title before asking the server", async () => {
    const { api } = await newGroup();
    fireEvent.click(screen.getByRole("button", { name: "Create group" }));
    expect(screen.getByText("The title must not be blank.")).toBeTruthy();
    expect(screen.getByLabelText("Title").getAttribute("aria-invalid")).toBe("true");
    expect(api.sent("POST", "/rooms")).toHaveLength(0);
  });

  it("takes the title's error away as soon as a title is typed", async () => {
    await newGroup();
    fireEvent.click(screen.getByRole("button", { name: "Create group" }));
    expect(screen.getByText("The title must not be blank.")).toBeTruthy();
    fireEvent.input(screen.getByLabelText("Title"), { target: { value: "Night shift" } });
    expect(screen.queryByText("The title must not be blank.")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByLabelText("Title").getAttribute("aria-invalid")).toBeNull();
  });

  it("shows why the server refused the group", async () => {
    const { api, onCreated } = await newGroup();
    api.on(
      "POST",
      "/rooms",
      apiError(400, "Some participants do not exist.", "invalid", { participants: "unknown users: 999" }),
    );
    fireEvent.input(screen.getByLabelText("Title"), { target: { value: "Ghosts" } });
    fireEvent.click(screen.getByRole("button", { name: "Create group" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Some participants do not exist.");
    expect(screen.getByText("The participants include people who do not exist (999).")).toBeTruthy();
    expect(onCreated).not.toHaveBeenCalled();
  });

  it("shows names full of markup as text", async () => {
    const api = fakeApi();
    await signedIn(api);
    const mallory: User = aUser({
      username: "mallory",
      first_name: "<img src=x onerror=alert(1)>",
      last_name: "<b>bold</b>",
    });
    api.on("GET", "/profiles/get_available_users", { body: [mallory] });
    render(<NewGroup onCreated={() => undefined} onClose={() => undefined} />);
    fireEvent.input(screen.getByLabelText("Add people"), { target: { value: "m" } });
    expect(await screen.findByRole("button", { name: "Add <img src=x onerror=alert(1)> <b>bold</b>" })).toBeTruthy();
    expect(screen.getAllByText("<img src=x onerror=alert(1)> <b>bold</b>").length).toBeGreaterThan(0);
    expect(document.querySelector("b")).toBeNull();
    expect(document.querySelectorAll("img[src=x]")).toHaveLength(0);
  });
});
