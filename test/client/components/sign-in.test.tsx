import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { SignIn } from "../../../client/components/sign-in";
import { apiError, fakeApi } from "../support/fake-api";

describe("SignIn", () => {
  it("says a wrong password is wrong, and stops saying so once I type again", async () => {
    const api = fakeApi();
    api.on("POST", "/access_token", apiError(401, "No active account found", "authentication_failed"));
    render(<SignIn onSignedIn={vi.fn()} />);
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "ana" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "That username and password do not match an active account.",
    );
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "wrong, now right" } });
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
