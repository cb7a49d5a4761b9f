import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { Profile } from "../../../client/components/profile";
import { decodesPicturesAs, recordingCanvas } from "../support/canvas";
import { apiError, fakeApi } from "../support/fake-api";
import { fakeUploads } from "../support/fake-upload";
import { aUser } from "../support/people";
import { signedIn, TEST_ACCESS_TOKEN } from "../support/session";

const me = aUser({ id: 7, username: "ada", first_name: "Ada", last_name: "Lovelace" });

/** The error said under an input, as its aria-describedby ties it. */
const errorUnder = (input: HTMLElement) =>
  document.getElementById(input.getAttribute("aria-describedby") ?? "")?.textContent;

function renderProfile() {
  const onChanged = vi.fn();
  const onClose = vi.fn();
  render(<Profile me={me} onChanged={onChanged} onClose={onClose} />);
  return { onChanged, onClose };
}

function choosePicture(file: File) {
  const input = screen.getByLabelText("Choose a new picture") as HTMLInputElement;
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  fireEvent.change(input);
}

describe("Profile", () => {
  it("shows the API's field error beside the email field as a sentence after a 400, and changes nothing", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on(
      "PATCH",
      "/profiles/7",
      apiError(400, "Enter a valid email address.", "invalid", {
        email: "is not a valid email address",
      }),
    );
    const { onChanged } = renderProfile();
    fireEvent.input(screen.getByLabelText("Email"), { target: { value: "not-an-address" } });
    fireEvent.click(screen.getByRole("button", { name: "Save name and email" }));
    await waitFor(() => expect(errorUnder(screen.getByLabelText("Email"))).toBe("Enter a valid email address."));
    expect(screen.getByLabelText("Email").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("alert").textContent).toContain("Enter a valid email address.");
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("saves a new name and hands the changed profile on", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on("PATCH", "/profiles/7", ({ body }) => ({ body: { ...me, ...(body as object), full_name: "Ada King" } }));
    const { onChanged } = renderProfile();
    fireEvent.input(screen.getByLabelText("Last name"), { target: { value: "King" } });
    fireEvent.click(screen.getByRole("button", { name: "Save name and email" }));
    expect((await screen.findByRole("status")).textContent).toBe("Saved.");
    expect(api.sent("PATCH", "/profiles/7")[0].body).toEqual({
      first_name: "Ada",
      last_name: "King",
      email: "ada@example.com",
    });
    expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ full_name: "Ada King" }));
  });

  it("sends the current password with a new one and shows when it is wrong", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on(
      "PATCH",
      "/profiles/7",
      apiError(400, "The current password is wrong.", "invalid", { current_password: "does not match your password" }),
    );
    renderProfile();
    fireEvent.input(screen.getByLabelText("Current password"), { target: { value: "guess" } });
    fireEvent.input(screen.getByLabelText("New password"), { target: { value: "correct horse" } });
    fireEvent.input(screen.getByLabelText("New password again"), { target: { value: "correct horse" } });
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByText("Your current password is wrong.")).toBeTruthy();
    expect(api.sent("PATCH", "/profiles/7")[0].body).toEqual({ current_password: "guess", password: "correct horse" });
  });

  it("changes my password and signs this tab in again with it, as the change signs out every session", async () => {
    const api = fakeApi();
    await signedIn(api);
    api.on("PATCH", "/profiles/7", { body: me });
    renderProfile();
    fireEvent.input(screen.getByLabelText("Current password"), { target: { value: "old-secret" } });
    fireEvent.input(screen.getByLabelText("New password"), { target: { value: "correct horse" } });
    fireEvent.input(screen.getByLabelText("New password again"), { target: { value: "correct horse" } });
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect((await screen.findByRole("status")).textContent).toBe(
      "Password changed. Your other sessions are signed out.",
    );
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["PATCH /profiles/7", "POST /access_token"]);
    expect(api.sent("POST", "/access_token")[0].body).toEqual({ username: "ada", password: "correct horse" });
    expect((screen.getByLabelText("New password") as HTMLInputElement).value).toBe("");
  });

  it("refuses two different new passwords without asking the server", async () => {
    const api = fakeApi();
    await signedIn(api);
    renderProfile();
    fireEvent.input(screen.getByLabelText("New password"), { target: { value: "correct horse" } });
    fireEvent.input(screen.getByLabelText("New password again"), { target: { value: "correct hose" } });
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByText("This does not match the new password.")).toBeTruthy();
    expect(api.requests).toHaveLength(0);
  });

  it("frames a square of the chosen picture and uploads it as a 256 px WebP with a progress bar", async () => {
    await signedIn(fakeApi());
    decodesPicturesAs(1200, 800);
    const { drawings } = recordingCanvas();
    const uploads = fakeUploads();
    const { onChanged } = renderProfile();

    choosePicture(new File([new Uint8Array(10)], "holiday.jpg", { type: "image/jpeg" }));
    const frame = await screen.findByRole("group", { name: /Picture framing/ });
    expect((screen.getByLabelText("Left to right") as HTMLInputElement).value).toBe("50");
    fireEvent.keyDown(frame, { key: "+" });
    fireEvent.keyDown(frame, { key: "ArrowLeft", shiftKey: true });
    expect(Number((screen.getByLabelText("Zoom") as HTMLInputElement).value)).toBe(1.25);
    fireEvent.click(screen.getByRole("button", { name: "Upload picture" }));

    await waitFor(() => expect(uploads).toHaveLength(1));
    const [square] = drawings;
    expect(square.source[2]).toBe(square.source[3]);
    expect(square.source[2]).toBe(640);
    expect(square.target).toEqual([0, 0, 256, 256]);
    const upload = uploads[0];
    expect(upload.method).toBe("PUT");
    expect(upload.url).toBe("/api/v1/profiles/7/pic/");
    expect(upload.headers.authorization).toBe(`Bearer ${TEST_ACCESS_TOKEN}`);
    const avatar = (upload.body as FormData).get("avatar") as File;
    expect(avatar.type).toBe("image/webp");

    upload.progress(30, 100);
    expect((await screen.findByRole("progressbar", { name: "Upload progress" })).getAttribute("value")).toBe("30");
    upload.respond(202, {
      avatar: "/media/avatar_files/ada_1.webp",
      avatar_url: "http://chat.test/media/avatar_files/ada_1.webp",
    });
    expect((await screen.findByRole("status")).textContent).toBe("Your picture is changed.");
    expect(onChanged).toHaveBeenCalledWith(
      expect.objectContaining({ avatar_url: "http://chat.test/media/avatar_files/ada_1.webp" }),
    );
    expect(screen.queryByRole("progressbar")).toBeNull();
  });

  it("moves the frame when the picture is dragged, never past its edge", async () => {
    await signedIn(fakeApi());
    decodesPicturesAs(1200, 800);
    renderProfile();
    choosePicture(new File([new Uint8Array(10)], "wide.jpg", { type: "image/jpeg" }));
    const frame = await screen.findByRole("group", { name: /Picture framing/ });
    vi.spyOn(frame, "getBoundingClientRect").mockReturnValue({ width: 240, height: 240 } as DOMRect);
    // The frame shows 800 picture pixels in 240 screen pixels: 30 px of drag is 100.
    fireEvent.pointerDown(frame, { pointerId: 1, clientX: 100, clientY: 100 });
    fireEvent.pointerMove(frame, { pointerId: 1, clientX: 70, clientY: 100 });
    expect((screen.getByLabelText("Left to right") as HTMLInputElement).value).toBe("75");
    fireEvent.pointerMove(frame, { pointerId: 1, clientX: -500, clientY: 100 });
    expect((screen.getByLabelText("Left to right") as HTMLInputElement).value).toBe("100");
    fireEvent.pointerUp(frame, { pointerId: 1 });
    fireEvent.pointerMove(frame, { pointerId: 1, clientX: 400, clientY: 100 });
    expect((screen.getByLabelText("Left to right") as HTMLInputElement).value).toBe("100");
  });

  it("says why when the server refuses the upload", async () => {
    await signedIn(fakeApi());
    decodesPicturesAs(400, 400);
    recordingCanvas();
    const uploads = fakeUploads();
    renderProfile();
    choosePicture(new File([new Uint8Array(10)], "me.png", { type: "image/png" }));
    fireEvent.click(await screen.findByRole("button", { name: "Upload picture" }));
    await waitFor(() => expect(uploads).toHaveLength(1));
    uploads[0].respond(413, {
      error: "An avatar can be at most 5 MiB.",
      detail: "An avatar can be at most 5 MiB.",
      code: "too_large",
    });
    expect((await screen.findByRole("alert")).textContent).toBe("An avatar can be at most 5 MiB.");
  });

  it("refuses a file that is not a picture", async () => {
    await signedIn(fakeApi());
    decodesPicturesAs(400, 400);
    renderProfile();
    choosePicture(new File(["<script>alert(1)</script>"], "evil.html", { type: "text/html" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Choose a picture");
    expect(screen.queryByRole("group", { name: /Picture framing/ })).toBeNull();
  });

  it("closes on Escape", async () => {
    await signedIn(fakeApi());
    const { onClose } = renderProfile();
    fireEvent.keyDown(screen.getByRole("dialog", { name: "Your profile" }), { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
  });
});
