import { fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { describe, expect, it } from "vitest";
import { Dialog } from "../../../client/components/dialog";

function Opener() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open settings
      </button>
      {open && (
        <Dialog title="Settings" onClose={() => setOpen(false)}>
          <label>
            Name <input />
          </label>
          <button type="submit">Save</button>
        </Dialog>
      )}
    </>
  );
}

describe("Dialog", () => {
  it("is a dialog named by its title that moves focus to its first field", () => {
    render(<Opener />);
    fireEvent.click(screen.getByRole("button", { name: "Open settings" }));
    const dialog = screen.getByRole("dialog", { name: "Settings" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(screen.getByLabelText("Name"));
  });

  it("closes on Escape and gives focus back to the button that opened it", () => {
    render(<Opener />);
    const opener = screen.getByRole("button", { name: "Open settings" });
    opener.focus();
    fireEvent.click(opener);
    fireEvent.keyDown(screen.getByLabelText("Name"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it("keeps Tab inside the dialog, wrapping from the last control to the first", () => {
    render(<Opener />);
    fireEvent.click(screen.getByRole("button", { name: "Open settings" }));
    const save = screen.getByRole("button", { name: "Save" });
    save.focus();
    fireEvent.keyDown(save, { key: "Tab" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" }));
    fireEvent.keyDown(document.activeElement!, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(save);
  });

  it("still closes on Escape when the pressed button turned disabled and focus fell to the page", () => {
    render(<Opener />);
    fireEvent.click(screen.getByRole("button", { name: "Open settings" }));
    const save = screen.getByRole("button", { name: "Save" });
    save.focus();
    // What a form does while it saves: its button is disabled, and the browser drops focus.
    save.blur();
    save.setAttribute("disabled", "");
    expect(document.activeElement).toBe(document.body);
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("closes only the innermost of two open dialogs on one Escape from the page", () => {
    const closed: string[] = [];
    render(
      <>
        <Dialog title="Outer" onClose={() => closed.push("outer")}>
          <button type="button">Outer action</button>
        </Dialog>
        <Dialog title="Inner" onClose={() => closed.push("inner")}>
          <button type="button">Inner action</button>
        </Dialog>
      </>,
    );
    (document.activeElement as HTMLElement).blur();
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(closed).toEqual(["inner"]);
  });
});
