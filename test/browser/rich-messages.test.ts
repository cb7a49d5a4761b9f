/**
 * What a team does every hour, in two and three browsers at once: a screenshot pasted into a
 * DM shows as a thumbnail for both and opens in the lightbox, a PDF downloads, `@cy`
 * autocompletes and lights up Cy's badge, a 👍 appears live for both, a thread of three
 * replies reads "3 replies" in the room and in full in the side panel, a code block keeps its
 * indentation, and a pasted link gets its card from a page server on loopback.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessFor, messages, openDm, png, rest, send, signIn, startChatApp } from "./support";

// The only setting that lets the room read a page on loopback; wrangler.toml never sets it.
startChatApp({ vars: { PREVIEW_ALLOW_LOOPBACK: "yes" } });

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
let pages: Server;
let lunchUrl: string;

beforeAll(async () => {
  pages = createServer((_request, response) =>
    response
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><html><head><title>Plain</title><meta property="og:title" content="Lunch &amp; Learn"><meta property="og:site_name" content="Office"></head><body></body></html>`,
      ),
  );
  await new Promise<void>((listening) => pages.listen(0, "127.0.0.1", listening));
  lunchUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/lunch`;

  const ana = await accessFor("ana");
  const people: { id: number; username: string }[] = await rest("GET", "/profiles/get_available_users/", ana);
  const id = (username: string) => people.find((person) => person.username === username)!.id;
  await rest("POST", "/send_message_to_user/", ana, { message: "hi Bo", user_id: id("bo") });
  await rest("POST", "/rooms/", ana, { title: "Launch", participants: [id("bo"), id("cy")] });
});

afterAll(() => new Promise<void>((closed) => pages.close(() => closed())));

const openRoom = async (page: Page, title: string) => {
  await page.getByRole("button", { name: new RegExp(title) }).click();
  await page.getByRole("heading", { name: title, level: 2 }).waitFor();
};

/** The message's row in the conversation, found by its text. */
const row = (page: Page, text: string) => messages(page).getByRole("listitem").filter({ hasText: text }).last();

describe("messages a team writes, seen by the others live", () => {
  it("shows a pasted screenshot as a thumbnail for both that opens in the lightbox, and a PDF downloads", async () => {
    const ana = await signIn("ana");
    const bo = await signIn("bo");
    await openDm(ana, "Bo");
    await openDm(bo, "Ana");

    const screenshot = [...png(48, [0, 90, 200])];
    await ana.getByLabel("Message Bo").evaluate((box, bytes) => {
      const clipboard = new DataTransfer();
      clipboard.items.add(new File([new Uint8Array(bytes)], "screenshot.png", { type: "image/png" }));
      box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
    }, screenshot);
    await ana
      .getByLabel("Files to attach")
      .setInputFiles([{ name: "report.pdf", mimeType: "application/pdf", buffer: PDF }]);
    const sendButton = ana.getByRole("button", { name: "Send", exact: true });
    await expect.poll(() => sendButton.isEnabled()).toBe(true);
    await sendButton.click();

    for (const page of [ana, bo]) {
      const thumbnail = messages(page).getByRole("img", { name: "screenshot.png" });
      await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(48);
    }
    await messages(bo).getByRole("button", { name: "Open screenshot.png" }).click();
    const lightbox = bo.getByRole("dialog", { name: "screenshot.png" });
    await lightbox.getByRole("img", { name: "screenshot.png" }).waitFor();
    await bo.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });

    const [download] = await Promise.all([
      bo.waitForEvent("download"),
      messages(bo)
        .getByRole("link", { name: /report\.pdf/ })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe("report.pdf");
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(PDF)).toBe(true);
  });

  it("autocompletes @cy from the members and lights up Cy's badge for the room", async () => {
    const cy = await signIn("cy");
    const ana = await signIn("ana");
    await openRoom(ana, "Launch");
    const box = ana.getByLabel("Message Launch");
    await box.pressSequentially("@c");
    await ana.getByRole("listbox", { name: "Members to mention" }).getByRole("option", { name: /Cy/ }).waitFor();
    // Typing on at once after Tab: the caret stays where the typing is.
    await box.press("Tab");
    await box.pressSequentially("can you review the notes?");
    expect(await box.inputValue()).toBe("@cy can you review the notes?");
    await box.press("Enter");

    const launch = cy.getByRole("button", { name: /Launch/ });
    await expect.poll(() => launch.textContent(), { timeout: 15_000 }).toContain("@1");
    expect(await launch.textContent()).toContain("mentioning you");
  });

  it("shows a 👍 live for both, and a thread of three replies as 3 replies and in the side panel", async () => {
    const ana = await signIn("ana");
    const bo = await signIn("bo");
    await openRoom(ana, "Launch");
    await openRoom(bo, "Launch");
    await send(ana, "Launch", "ship it on Friday?");
    await row(bo, "ship it on Friday?").waitFor();

    await row(bo, "ship it on Friday?").getByRole("button", { name: "Add a reaction" }).click();
    await bo.getByRole("button", { name: "React with 👍" }).first().click();
    await row(ana, "ship it on Friday?").getByRole("button", { name: "👍 1: Bo" }).waitFor();
    await row(bo, "ship it on Friday?").getByRole("button", { name: "👍 1: You", pressed: true }).waitFor();

    await row(ana, "ship it on Friday?")
      .getByRole("button", { name: /^Reply in thread/ })
      .click();
    const panel = ana.getByRole("complementary", { name: "Thread" });
    for (const reply of ["the tests are green", "docs are ready", "then yes"]) {
      await panel.getByLabel("Reply in the thread").fill(reply);
      await panel.getByLabel("Reply in the thread").press("Enter");
      await panel.getByRole("log").getByText(reply).waitFor();
    }

    const summary = row(bo, "ship it on Friday?").getByRole("button", { name: /3 replies/ });
    await summary.click();
    const replies = bo.getByRole("complementary", { name: "Thread" }).getByRole("log");
    for (const reply of ["the tests are green", "docs are ready", "then yes"]) await replies.getByText(reply).waitFor();
    // The room's own timeline shows the root and its summary, not the replies.
    expect(await bo.getByRole("log", { name: "Messages with Launch" }).getByText("docs are ready").count()).toBe(0);
  });

  it("keeps a code block's indentation, and gives a pasted link its card", async () => {
    const ana = await signIn("ana");
    const bo = await signIn("bo");
    await openRoom(ana, "Launch");
    await openRoom(bo, "Launch");
    await send(ana, "Launch", "```js\nfunction ready() {\n    return true;\n}\n```");
    const code = messages(bo).locator("pre code").last();
    await code.waitFor();
    expect(await code.textContent()).toBe("function ready() {\n    return true;\n}");

    await send(ana, "Launch", `notes from ${lunchUrl}`);
    const card = row(bo, "notes from").getByRole("list", { name: "Link previews" });
    await card.getByRole("link", { name: "Lunch & Learn" }).waitFor();
    expect(await card.textContent()).toContain("Office");
  });
});
