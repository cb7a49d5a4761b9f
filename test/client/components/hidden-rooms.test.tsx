/** The hidden rooms at the end of the sidebar: listed after a click, and brought back one by one. */
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { HiddenRooms } from "../../../client/components/hidden-rooms";
import { seriousViolations } from "../support/axe";
import { apiError, fakeApi, type SentRequest } from "../support/fake-api";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });
const listed = (room: ReturnType<typeof aRoom>) => ({
  ...room,
  unread_count: 0,
  mention_count: 0,
  notify: "nothing",
  hidden: true,
});

describe("HiddenRooms", () => {
  it("asks for the hidden rooms only once opened, and shows one again on request", async () => {
    const ops = aRoom({ title: "Ops", participants: [me, bob] });
    const api = fakeApi();
    await signedIn(api);
    api.on("GET", "/rooms", ({ query }: SentRequest) =>
      query.get("hidden") === "true"
        ? { body: { count: 1, next: null, previous: null, results: [listed(ops)] } }
        : apiError(400, "only the hidden list here", "invalid"),
    );
    api.on("PATCH", `/rooms/${ops.id}/membership`, {
      body: { room: ops.id, notify: "nothing", notify_chosen: true, hidden: false },
    });
    const onShown = vi.fn();
    render(<HiddenRooms me={me} onShown={onShown} />);
    expect(api.sent("GET", "/rooms")).toEqual([]);
    const toggle = screen.getByRole("button", { name: "Hidden rooms" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    await screen.findByRole("button", { name: "Show Ops" });
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(await seriousViolations()).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Show Ops" }));
    await waitFor(() => expect(onShown).toHaveBeenCalledWith(ops.id));
    expect(api.sent("PATCH", `/rooms/${ops.id}/membership`)[0].body).toEqual({ hidden: false });
    expect(screen.queryByRole("button", { name: "Show Ops" })).toBeNull();
  });

  it("says when none are hidden, and says why when the list could not be read", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on("GET", "/rooms", { body: { count: 0, next: null, previous: null, results: [] } });
    render(<HiddenRooms me={me} onShown={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Hidden rooms" }));
    await screen.findByText("No hidden rooms.");
    fireEvent.click(screen.getByRole("button", { name: "Hidden rooms" }));
    api.on("GET", "/rooms", apiError(503, "The service is unavailable for a moment; try again.", "unavailable"));
    fireEvent.click(screen.getByRole("button", { name: "Hidden rooms" }));
    expect((await screen.findByRole("alert")).textContent).toContain("unavailable for a moment");
  });
});
