import { createEvent, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { MessageFiles } from "../../../client/components/attachments";
import { Composer } from "../../../client/components/conversation/composer";
import type { WireAttachment } from "../../../core/protocol";
import { fakeApi } from "../support/fake-api";
import { fakeUploads } from "../support/fake-upload";
import { signedIn, TEST_ACCESS_TOKEN } from "../support/session";

const file = (name: string, text = "bytes") => new File([text], name, { type: "application/octet-stream" });

const answered = (id: string, name: string) => ({
  id,
  name,
  size: 5,
  content_type: "application/octet-stream",
  url: `/api/v1/rooms/5/attachments/${id}/?expires=1&signature=s`,
});

async function renderComposer() {
  const api = fakeApi();
  await signedIn(api);
  const uploads = fakeUploads();
  const onSend = vi.fn();
  const { container } = render(<Composer label="Message the room" onSend={onSend} roomId={5} />);
  return { uploads, onSend, container };
}

describe("Composer attachments", () => {
  it("uploads picked files at once, each with its own progress, then sends their ids with the text", async () => {
    const { uploads, onSend, container } = await renderComposer();
    const picker = container.querySelector("input[type=file]") as HTMLInputElement;
    Object.defineProperty(picker, "files", { value: [file("a.pdf"), file("<img src=x onerror=alert(1)>.txt")] });
    fireEvent.change(picker);
    await waitFor(() => expect(uploads).toHaveLength(2));
    expect(uploads.map((u) => [u.method, u.url, u.headers.authorization])).toEqual([
      ["POST", "/api/v1/rooms/5/attachments/", `Bearer ${TEST_ACCESS_TOKEN}`],
      ["POST", "/api/v1/rooms/5/attachments/", `Bearer ${TEST_ACCESS_TOKEN}`],
    ]);
    // A name is text, never markup.
    expect(screen.getByText("<img src=x onerror=alert(1)>.txt")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
    uploads[0].progress(50, 100);
    await waitFor(() => expect((screen.getByLabelText("Uploading a.pdf") as HTMLProgressElement).value).toBe(0.5));
    const send = screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    uploads[0].respond(201, answered("a".repeat(32), "a.pdf"));
    uploads[1].respond(201, answered("b".repeat(32), "x.txt"));
    await waitFor(() => expect(send.disabled).toBe(false));
    fireEvent.input(screen.getByLabelText("Message the room"), { target: { value: "two files" } });
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledWith("two files", ["a".repeat(32), "b".repeat(32)]);
    expect(screen.queryByLabelText("Files to send")).toBeNull();
  });

  it("takes files dropped on it or pasted into it, and sends files without text", async () => {
    const { uploads, onSend, container } = await renderComposer();
    const form = container.querySelector("form")!;
    const drop = createEvent.drop(form);
    Object.defineProperty(drop, "dataTransfer", { value: { files: [file("dropped.zip")], types: ["Files"] } });
    fireEvent(form, drop);
    const box = screen.getByLabelText("Message the room");
    const paste = createEvent.paste(box);
    Object.defineProperty(paste, "clipboardData", { value: { files: [file("pasted.png")] } });
    fireEvent(box, paste);
    await waitFor(() => expect(uploads).toHaveLength(2));
    uploads[0].respond(201, answered("c".repeat(32), "dropped.zip"));
    uploads[1].respond(201, answered("d".repeat(32), "pasted.png"));
    const send = screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;
    await waitFor(() => expect(send.disabled).toBe(false));
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledWith("", ["c".repeat(32), "d".repeat(32)]);
  });

  it("shows a refused upload's reason and leaves it out of the send", async () => {
    const { uploads, container } = await renderComposer();
    const picker = container.querySelector("input[type=file]") as HTMLInputElement;
    Object.defineProperty(picker, "files", { value: [file("huge.iso")] });
    fireEvent.change(picker);
    await waitFor(() => expect(uploads).toHaveLength(1));
    uploads[0].respond(413, { error: "A file can be at most 25.0 MiB.", detail: "x", code: "too_large" });
    expect(await screen.findByText("A file can be at most 25.0 MiB.")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Remove huge.iso" }));
    expect(screen.queryByText("huge.iso")).toBeNull();
  });
});

const image = (id: string, name: string, width: number, height: number): WireAttachment => ({
  id,
  name,
  size: 1000,
  content_type: "image/png",
  url: `/files/${id}`,
  width,
  height,
});

describe("a message's files", () => {
  const files: WireAttachment[] = [
    image("1".repeat(32), "first.png", 800, 400),
    { ...answered("2".repeat(32), "report.pdf"), size: 2_400_000 },
    image("3".repeat(32), "second.png", 100, 300),
  ];

  it("sizes thumbnails from the declared width and height, and offers other files as downloads", () => {
    render(<MessageFiles files={files} />);
    const [first, second] = screen.getAllByRole("img") as HTMLImageElement[];
    expect([first.getAttribute("width"), first.getAttribute("height")]).toEqual(["240", "120"]);
    expect([second.getAttribute("width"), second.getAttribute("height")]).toEqual(["80", "240"]);
    const download = screen.getByRole("link", { name: /report\.pdf/ });
    expect(download.getAttribute("href")).toBe(files[1].url);
    expect(download.getAttribute("download")).toBe("report.pdf");
    expect(download.textContent).toContain("2.4 MB");
  });

  it("opens images in a lightbox: → and ← go between them, Esc closes it", async () => {
    render(<MessageFiles files={files} />);
    fireEvent.click(screen.getByRole("button", { name: "Open first.png" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog.textContent).toContain("first.png (1 of 2)");
    // Focus moves into the lightbox, where the keys work.
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Close"));
    fireEvent.keyDown(document, { key: "ArrowRight" });
    await waitFor(() => expect(screen.getByRole("dialog").textContent).toContain("second.png (2 of 2)"));
    fireEvent.keyDown(document, { key: "ArrowRight" });
    await waitFor(() => expect(screen.getByRole("dialog").textContent).toContain("first.png (1 of 2)"));
    fireEvent.keyDown(document, { key: "ArrowLeft" });
    await waitFor(() => expect(screen.getByRole("dialog").textContent).toContain("second.png (2 of 2)"));
    fireEvent.keyDown(document, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });
});
