import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { Reactions } from "../../../client/components/reactions";
import { withReaction } from "../../../client/lib/reactions";
import { QUICK_REACTIONS } from "../../../core/protocol-constants";
import { aUser } from "../support/people";

const me = aUser({ id: 1, full_name: "Ana Me" });
const bo = aUser({ id: 2, full_name: "Bo Other" });
const people = new Map([me, bo].map((user) => [user.id, user]));

describe("Reactions", () => {
  it("shows a chip per emoji with its count and who reacted, pressed when mine", () => {
    const reactions = [
      { emoji: "👍", count: 2, users: [2, 1] },
      { emoji: "🎉", count: 1, users: [2] },
    ];
    render(<Reactions reactions={reactions} me={1} people={people} onReact={vi.fn()} />);
    const thumbs = screen.getByRole("button", { name: "👍 2: Bo Other, You" });
    expect(thumbs.getAttribute("aria-pressed")).toBe("true");
    expect(thumbs.title).toBe("Bo Other, You");
    expect(screen.getByRole("button", { name: "🎉 1: Bo Other" }).getAttribute("aria-pressed")).toBe("false");
  });

  it("toggles: a click on my chip takes it back, on another's adds mine", () => {
    const onReact = vi.fn();
    const reactions = [
      { emoji: "👍", count: 1, users: [1] },
      { emoji: "🎉", count: 1, users: [2] },
    ];
    render(<Reactions reactions={reactions} me={1} people={people} onReact={onReact} />);
    fireEvent.click(screen.getByRole("button", { name: /^👍/ }));
    fireEvent.click(screen.getByRole("button", { name: /^🎉/ }));
    expect(onReact.mock.calls).toEqual([
      ["👍", false],
      ["🎉", true],
    ]);
  });

  it("offers the quick reactions, more on demand, and Escape gives focus back", async () => {
    const onReact = vi.fn();
    render(<Reactions reactions={[]} me={1} people={people} onReact={onReact} />);
    const add = screen.getByRole("button", { name: "Add a reaction" });
    fireEvent.click(add);
    for (const emoji of QUICK_REACTIONS)
      expect(screen.getByRole("button", { name: `React with ${emoji}` })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "More…" }));
    const grin = await waitFor(() => screen.getByRole("button", { name: "React with 😀" }));
    fireEvent.keyDown(grin, { key: "ArrowRight" });
    expect(document.activeElement?.getAttribute("aria-label")).toBe("React with 😁");
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(document.activeElement).toBe(add);
    fireEvent.click(add);
    fireEvent.click(screen.getByRole("button", { name: "React with 🎉" }));
    expect(onReact).toHaveBeenCalledWith("🎉", true);
  });
});

describe("withReaction", () => {
  const message = { id: 3, room: 1, sender: 2, timestamp: "", content: "x", edited_at: null, deleted: false };
  const frame = (emoji: string, user: number, added: boolean) =>
    ({ type: "reaction", message: 3, emoji, user, added }) as const;

  it("adds in order of first use, takes back, and drops an emoji nobody holds", () => {
    const one = withReaction(message, frame("👍", 1, true));
    const two = withReaction(withReaction(one, frame("🎉", 2, true)), frame("👍", 2, true));
    expect(two.reactions).toEqual([
      { emoji: "👍", count: 2, users: [1, 2] },
      { emoji: "🎉", count: 1, users: [2] },
    ]);
    const back = withReaction(withReaction(two, frame("🎉", 2, false)), frame("👍", 1, false));
    expect(back.reactions).toEqual([{ emoji: "👍", count: 1, users: [2] }]);
    expect(withReaction(back, frame("👍", 2, false))).not.toHaveProperty("reactions");
  });

  it("is idempotent, so my REST answer and my frame may come in any order", () => {
    const once = withReaction(message, frame("👍", 1, true));
    expect(withReaction(once, frame("👍", 1, true))).toBe(once);
    expect(withReaction(message, frame("👍", 1, false))).toBe(message);
  });
});
