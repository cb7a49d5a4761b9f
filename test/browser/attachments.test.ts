/**
 * Files end to end in Chromium: a picture attached in the composer is uploaded, sent, and
 * shown to the other member as a thumbnail loaded through its signed link, sized before it
 * loads, and opens in the lightbox; a page uploaded as a file downloads and never runs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { accessFor, app, messages, png, rest, signIn, startChatApp } from "./support";

startChatApp();

beforeAll(async () => {
  const ana = await accessFor("ana");
  const people: { id: number; username: string }[] = await rest("GET", "/profiles/get_available_users/", ana);
  const bo = people.find((person) => person.username === "bo")!;
  await rest("POST", "/rooms/", ana, { title: "Screenshots", participants: [bo.id] });
});

describe("attachments", () => {
  it("sends a picture that the other member sees as a thumbnail and opens in the lightbox", async () => {
    const ana = await signIn("ana");
    await ana.getByRole("button", { name: /Screenshots/ }).click();
    await ana.locator("input[type=file]").setInputFiles([
      { name: "red.png", mimeType: "image/png", buffer: png(40, [200, 0, 0]) },
      {
        name: "<img src=x onerror=\"window.__pwned='file'\">.html",
        mimeType: "text/html",
        buffer: Buffer.from("<script>window.__pwned='page'</script>"),
      },
    ]);
    const sendButton = ana.getByRole("button", { name: "Send", exact: true });
    await expect.poll(() => sendButton.isEnabled()).toBe(true);
    await ana.getByLabel("Message Screenshots").fill("look at this");
    await sendButton.click();

    const bo = await signIn("bo");
    await bo.getByRole("button", { name: /Screenshots/ }).click();
    const thumbnail = messages(bo).getByRole("img", { name: "red.png" });
    await thumbnail.waitFor();
    expect(await thumbnail.getAttribute("width")).toBe("40");
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(40);
    const download = messages(bo).getByRole("link", { name: /\.html/ });
    expect(await download.getAttribute("download")).toContain("<img");
    const served = await fetch(new URL((await download.getAttribute("href"))!, app.server.url));
    expect(served.headers.get("content-type")).toBe("application/octet-stream");
    expect(served.headers.get("content-disposition")).toMatch(/^attachment; /);

    await messages(bo).getByRole("button", { name: "Open red.png" }).click();
    const lightbox = bo.getByRole("dialog", { name: "red.png" });
    await lightbox.waitFor();
    await bo.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });
    expect(await bo.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
  });
});
