import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { Composer } from "../../../client/components/conversation/composer";
import { mentionAt } from "../../../client/components/mention-picker";

const members = [
  { id: 2, username: "carlos", full_name: "Carlos Ruiz" },
  { id: 3, username: "carla_m", full_name: "Carla Mendes" },
  { id: 4, username: "bo", full_name: "Bo Lind" },
];

function setup() {
  const onSend = vi.fn();
  render(<Composer label="Message the team" onSend={onSend} members={members} />);
  const box = screen.getByLabelText("Message the team") as HTMLTextAreaElement;
  const type = (value: string) => {
    box.value = value;
    box.setSelectionRange(value.length, value.length);
    fireEvent.input(box);
  };
  const options = () => screen.queryAllByRole("option").map((option) => option.textContent);
  const active = () => document.getElementById(box.getAttribute("aria-activedescendant") ?? "")?.textContent;
  return { onSend, box, type, options, active };
}

describe("the composer's @ autocomplete", () => {
  it("suggests members by username or name as I type after @", () => {
    const { type, options } = setup();
    type("lunch @car");
    expect(options()).toEqual(["Carlos Ruiz @carlos", "Carla Mendes @carla_m"]);
    type("lunch @lind");
    expect(options()).toEqual(["Bo Lind @bo"]);
    type("mail me at bo@car");
    expect(options()).toEqual([]);
  });

  it("moves with ↑/↓, puts the username in with Enter, and does not send", () => {
    const { box, type, options, active, onSend } = setup();
    type("hi @car");
    expect(box.getAttribute("aria-controls")).toBeTruthy();
    expect(active()).toBe("Carlos Ruiz @carlos");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(active()).toBe("Carla Mendes @carla_m");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(active()).toBe("Carlos Ruiz @carlos");
    fireEvent.keyDown(box, { key: "ArrowUp" });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(box.value).toBe("hi @carla_m ");
    expect(onSend).not.toHaveBeenCalled();
    expect(options()).toEqual([]);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("hi @carla_m ");
  });

  it("takes Tab as Enter, and Esc closes the list so Enter sends", () => {
    const { box, type, options, onSend } = setup();
    type("@b");
    fireEvent.keyDown(box, { key: "Tab" });
    expect(box.value).toBe("@bo ");
    type("and @car");
    fireEvent.keyDown(box, { key: "Escape" });
    expect(options()).toEqual([]);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("and @car");
  });
});

describe("mentionAt", () => {
  it("finds the @ that starts a word before the caret", () => {
    expect(mentionAt("hi @ca", 6)).toEqual({ start: 3, query: "ca" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("a@b", 3)).toBeUndefined();
    expect(mentionAt("@carlos and more", 16)).toBeUndefined();
  });
});
