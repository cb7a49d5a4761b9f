/**
 * The pages that make accounts (first run, an invite link) and the list of open rooms:
 * what each sends, and the API's complaints shown under the field they are about.
 */
import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { FirstRun } from "../../../client/components/first-run";
import { inviteCodeOf, Join } from "../../../client/components/join";
import { OpenRooms } from "../../../client/components/open-rooms";
import { apiError, fakeApi } from "../support/fake-api";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

function fillAccount() {
  fireEvent.input(screen.getByLabelText("Username"), { target: { value: " ada " } });
  fireEvent.input(screen.getByLabelText("First name"), { target: { value: "Ada" } });
  fireEvent.input(screen.getByLabelText("Last name"), { target: { value: "Lovelace" } });
  fireEvent.input(screen.getByLabelText("Email"), { target: { value: "ada@example.com" } });
  fireEvent.input(screen.getByLabelText("Password"), { target: { value: "secret1" } });
}
const account = {
  username: "ada",
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  password: "secret1",
};

describe("FirstRun", () => {
  it("creates the first administrator and signs them in", async () => {
    const api = fakeApi();
    api.on("POST", "/setup", { status: 201, body: { access: "token" } });
    const onSignedIn = vi.fn();
    render(<FirstRun onSignedIn={onSignedIn} />);
    expect(screen.getByRole("heading", { name: "Create the first administrator" })).toBeTruthy();
    fillAccount();
    fireEvent.click(screen.getByRole("button", { name: "Create administrator" }));
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(api.sent("POST", "/setup")[0].body).toEqual(account);
    expect(api.sent("POST", "/setup")[0].headers.get("x-condor-refresh")).toBe("cookie");
  });

  it("shows the API's complaint under the field it is about", async () => {
    const api = fakeApi();
    api.on("POST", "/setup", apiError(400, "Invalid input.", "invalid", { password: "must be at least 6 characters" }));
    render(<FirstRun onSignedIn={vi.fn()} />);
    fillAccount();
    fireEvent.click(screen.getByRole("button", { name: "Create administrator" }));
    expect(await screen.findByText("The password must be at least 6 characters.")).toBeTruthy();
    expect(screen.getByLabelText("Password").getAttribute("aria-invalid")).toBe("true");
  });
});

describe("Join", () => {
  it("reads the code from /join/<code> only", () => {
    expect(inviteCodeOf("/join/abc_DEF-123")).toBe("abc_DEF-123");
    expect(inviteCodeOf("/join/abc/extra")).toBeUndefined();
    expect(inviteCodeOf("/rooms/12")).toBeUndefined();
  });

  it("makes the account with the invite and signs in", async () => {
    const api = fakeApi();
    api.on("GET", "/invites/CODE", { body: { expires_at: "2030-01-01T00:00:00.000Z", uses_left: null } });
    api.on("POST", "/invites/CODE/accept", { status: 201, body: { access: "token" } });
    const onSignedIn = vi.fn();
    render(<Join code="CODE" onSignedIn={onSignedIn} />);
    fillAccount();
    fireEvent.click(screen.getByRole("button", { name: "Create my account" }));
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(api.sent("POST", "/invites/CODE/accept")[0].body).toEqual(account);
  });

  it("opens an imported account with its username filled in", async () => {
    const api = fakeApi();
    api.on("GET", "/invites/MINE", {
      body: { expires_at: "2030-01-01T00:00:00.000Z", uses_left: 1, username: "carol.kent" },
    });
    api.on("POST", "/invites/MINE/accept", { status: 201, body: { access: "token" } });
    const onSignedIn = vi.fn();
    render(<Join code="MINE" onSignedIn={onSignedIn} />);
    const open = await screen.findByRole("button", { name: "Open my account" });
    expect((screen.getByLabelText("Username") as HTMLInputElement).value).toBe("carol.kent");
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "secret1" } });
    fireEvent.click(open);
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(api.sent("POST", "/invites/MINE/accept")[0].body).toMatchObject({
      username: "carol.kent",
      password: "secret1",
    });
  });

  it("says at once when the link no longer works", async () => {
    const api = fakeApi();
    api.on("GET", "/invites/OLD", apiError(410, "This invite link has expired. Ask for a new one.", "gone"));
    render(<Join code="OLD" onSignedIn={vi.fn()} />);
    expect((await screen.findByRole("alert")).textContent).toBe("This invite link has expired. Ask for a new one.");
    expect(screen.queryByRole("button", { name: "Create my account" })).toBeNull();
  });
});

describe("OpenRooms", () => {
  it("lists open rooms with their member counts and joins one", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on("GET", "/rooms/open", {
      body: {
        count: 1,
        next: null,
        previous: null,
        results: [{ id: 7, title: "Lobby", timestamp: "", member_count: 3 }],
      },
    });
    const joined = aRoom({ id: 7, title: "Lobby", participants: [aUser({ username: "me" })], open: true });
    api.on("POST", "/rooms/7/join", { body: joined });
    const onJoined = vi.fn();
    render(<OpenRooms onJoined={onJoined} onClose={vi.fn()} />);
    expect(await screen.findByText("Lobby")).toBeTruthy();
    expect(screen.getByText("(3 people)")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Join" }));
    await vi.waitFor(() => expect(onJoined).toHaveBeenCalledWith(joined));
  });
});
