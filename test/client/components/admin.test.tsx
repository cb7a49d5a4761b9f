import { fireEvent, render, screen, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { Admin } from "../../../client/components/admin";
import type { User } from "../../../client/lib/api";
import { apiError, fakeApi, type SentRequest } from "../support/fake-api";
import { aUser } from "../support/people";
import { signedIn } from "../support/session";

const root = aUser({ id: 1, username: "root", is_superuser: true });

/** The fake API's users, narrowed by `full_name` and served a page at a time as the worker does. */
function pagesOf(everyone: User[]) {
  return ({ query }: SentRequest) => {
    const limit = Number(query.get("limit") ?? 100);
    const offset = Number(query.get("offset") ?? 0);
    const term = query.get("full_name")?.toLowerCase() ?? "";
    const users = everyone.filter((u) => `${u.username} ${u.full_name}`.toLowerCase().includes(term));
    return {
      body: {
        count: users.length,
        next:
          offset + limit < users.length
            ? `http://chat.test/api/v1/profiles/?limit=${limit}&offset=${offset + limit}`
            : null,
        previous: offset > 0 ? "http://chat.test/api/v1/profiles/" : null,
        results: users.slice(offset, offset + limit),
      },
    };
  };
}

async function adminWith(users: User[]) {
  const api = fakeApi();
  await signedIn(api);
  api.on("GET", "/profiles", pagesOf(users));
  api.on("GET", "/audit", { body: { count: 0, next: null, previous: null, results: [] } });
  render(<Admin me={root} />);
  return api;
}

describe("Admin", () => {
  it("shows someone who is not a superuser nothing to manage, and asks the API nothing", async () => {
    const api = fakeApi();
    await signedIn(api);
    render(<Admin me={aUser({ username: "eve" })} />);
    expect(screen.getByText("Only superusers can manage people.")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
    expect(api.requests).toHaveLength(0);
  });

  it("lists everyone a page at a time", async () => {
    const users = [root, ...Array.from({ length: 44 }, (_, i) => aUser({ username: `member${i + 1}` }))];
    const api = await adminWith(users);
    expect(await screen.findByText("1–20 of 45")).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "People" })).getAllByRole("listitem")).toHaveLength(20);
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(await screen.findByText("21–40 of 45")).toBeTruthy();
    expect(api.sent("GET", "/profiles").at(-1)!.query.get("offset")).toBe("20");
    expect(screen.getByText("member20")).toBeTruthy();
  });

  it("creates a user and lists them", async () => {
    const users = [root];
    const api = await adminWith(users);
    api.on("POST", "/profiles", ({ body }) => {
      const created = aUser(body as Partial<User>);
      users.push(created);
      return { status: 201, body: created };
    });
    await screen.findByText("1–1 of 1");
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "grace" } });
    fireEvent.input(screen.getByLabelText("First name"), { target: { value: "Grace" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "s3cret-enough" } });
    fireEvent.click(screen.getByRole("button", { name: "Create user" }));
    expect(await screen.findByRole("listitem", { name: "Grace (grace)" })).toBeTruthy();
    expect(screen.getByText("grace is created.")).toBeTruthy();
    expect(api.sent("POST", "/profiles")[0].body).toEqual({
      username: "grace",
      first_name: "Grace",
      last_name: "",
      email: "",
      password: "s3cret-enough",
    });
    expect((screen.getByLabelText("Username") as HTMLInputElement).value).toBe("");
  });

  it("shows the API's field errors when a new user is refused", async () => {
    const api = await adminWith([root]);
    api.on("POST", "/profiles", apiError(400, "That username or email is taken.", "invalid", { username: "is taken" }));
    await screen.findByText("1–1 of 1");
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "root" } });
    fireEvent.click(screen.getByRole("button", { name: "Create user" }));
    expect(await screen.findByText("The username is taken.")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("That username or email is taken.");
  });

  it("deactivates someone, then reactivates them", async () => {
    const bob = aUser({ username: "bob" });
    const api = await adminWith([root, bob]);
    api.on("PATCH", `/profiles/${bob.id}`, ({ body }) => ({ body: { ...bob, ...(body as object) } }));
    fireEvent.click(await screen.findByRole("button", { name: "Deactivate bob" }));
    expect(await screen.findByText("bob is deactivated.")).toBeTruthy();
    expect(within(screen.getByRole("listitem", { name: "bob" })).getByText(/deactivated/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Reactivate bob" }));
    expect(await screen.findByText("bob is active again.")).toBeTruthy();
    expect(api.sent("PATCH", `/profiles/${bob.id}`).map((r) => r.body)).toEqual([
      { is_active: false },
      { is_active: true },
    ]);
  });

  it("offers no deactivating or demoting on my own row (the API refuses both), only on others'", async () => {
    const ann = aUser({ username: "ann", is_superuser: true });
    await adminWith([root, ann]);
    const mine = await screen.findByRole("listitem", { name: "root" });
    expect(within(mine).queryByRole("button", { name: /Deactivate|Revoke superuser/ })).toBeNull();
    expect(within(mine).getByRole("button", { name: "Reset password: root" })).toBeTruthy();
    const hers = screen.getByRole("listitem", { name: "ann" });
    expect(within(hers).getByRole("button", { name: "Deactivate ann" })).toBeTruthy();
    expect(within(hers).getByRole("button", { name: "Revoke superuser: ann" })).toBeTruthy();
  });

  it("labels a row's buttons in a word or two, their names saying whom they act on", async () => {
    const bob = aUser({ username: "bob", first_name: "Bob", last_name: "Stone" });
    await adminWith([root, bob]);
    const row = await screen.findByRole("listitem", { name: "Bob Stone (bob)" });
    const buttons = within(row).getAllByRole("button");
    expect(buttons.map((b) => b.textContent)).toEqual(["Deactivate", "Make superuser", "Reset password"]);
    expect(buttons.map((b) => b.getAttribute("aria-label"))).toEqual([
      "Deactivate bob",
      "Make superuser: bob",
      "Reset password: bob",
    ]);
  });

  it("searches people by name or username as I type, pages within the match, and says when no one matches", async () => {
    const limas = Array.from({ length: 25 }, (_, i) => aUser({ username: `lima${i + 1}`, first_name: "Ana" }));
    const api = await adminWith([root, aUser({ username: "bea", first_name: "Bea", last_name: "Lopes" }), ...limas]);
    await screen.findByText("1–20 of 27");
    const search = screen.getByRole("searchbox", { name: "Search people" });
    fireEvent.input(search, { target: { value: "ana" } });
    expect(await screen.findByText("1–20 of 25")).toBeTruthy();
    expect(screen.getByText("25 people match “ana”.")).toBeTruthy();
    expect(api.sent("GET", "/profiles").at(-1)!.query.get("full_name")).toBe("ana");
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(await screen.findByText("21–25 of 25")).toBeTruthy();
    expect(api.sent("GET", "/profiles").at(-1)!.query.get("full_name")).toBe("ana");
    fireEvent.input(search, { target: { value: "lopes" } });
    expect(await screen.findByText("1 person matches “lopes”.")).toBeTruthy();
    expect(screen.getByRole("listitem", { name: "Bea Lopes (bea)" })).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "People" })).getAllByRole("listitem")).toHaveLength(1);
    expect(api.sent("GET", "/profiles").at(-1)!.query.get("offset")).toBe("0");
    fireEvent.input(search, { target: { value: "zzz" } });
    expect(await screen.findByText("No one matches “zzz”.")).toBeTruthy();
    expect(screen.queryByRole("list", { name: "People" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Next page" })).toBeNull();
    fireEvent.input(search, { target: { value: "" } });
    expect(await screen.findByText("1–20 of 27")).toBeTruthy();
  });

  it("grants superuser", async () => {
    const ann = aUser({ username: "ann" });
    const api = await adminWith([root, ann]);
    api.on("PATCH", `/profiles/${ann.id}`, ({ body }) => ({ body: { ...ann, ...(body as object) } }));
    fireEvent.click(await screen.findByRole("button", { name: "Make superuser: ann" }));
    expect(await screen.findByRole("button", { name: "Revoke superuser: ann" })).toBeTruthy();
    expect(api.sent("PATCH", `/profiles/${ann.id}`)[0].body).toEqual({ is_superuser: true });
  });

  it("resets someone's password without asking for theirs", async () => {
    const bob = aUser({ username: "bob" });
    const api = await adminWith([root, bob]);
    api.on("PATCH", `/profiles/${bob.id}`, { body: bob });
    fireEvent.click(await screen.findByRole("button", { name: "Reset password: bob" }));
    const field = screen.getByLabelText("New password for bob");
    expect(document.activeElement).toBe(field);
    fireEvent.input(field, { target: { value: "temporary-42" } });
    fireEvent.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByText("bob's password is reset; their sessions are signed out.")).toBeTruthy();
    expect(api.sent("PATCH", `/profiles/${bob.id}`)[0].body).toEqual({ password: "temporary-42" });
    expect(screen.queryByLabelText("New password for bob")).toBeNull();
  });

  it("lists the audit, newest first, and pages to older entries", async () => {
    const entry = (id: number, action: string, extra = {}) => ({
      id,
      action,
      actor: { id: 1, username: "root" },
      target: { id: 2, username: "eve" },
      created_at: "2026-12-01T10:00:00.000Z",
      ...extra,
    });
    const api = fakeApi();
    await signedIn(api);
    api.on("GET", "/profiles", pagesOf([root]));
    api.on("GET", "/audit", ({ query }: SentRequest) => ({
      body:
        query.get("offset") === "0"
          ? {
              count: 2,
              next: "http://chat.test/api/v1/audit/?offset=1",
              previous: null,
              results: [entry(2, "user_deactivated")],
            }
          : { count: 2, next: null, previous: null, results: [entry(1, "message_removed", { room: 5, message: 9 })] },
    }));
    render(<Admin me={root} />);
    const list = await screen.findByRole("list", { name: "Audit list" });
    expect(await within(list).findByText(/root deactivated eve/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Show older" }));
    expect(await within(list).findByText(/root removed a message by eve \(message 9 in room 5\)/)).toBeTruthy();
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Show older" })).toBeNull();
  });
});
