/**
 * The conversation view in Chromium, on a wide desktop and a 390 px phone, light and dark:
 * a reading width, a "New messages" line, times and actions on hover, notes of renames,
 * joins, leaves and removals as they happen and again after a reload, on the phone a long
 * press for the actions, and a sender's name opening their profile card; axe-core finds
 * nothing serious in any of these states.
 */
import { describe, expect, it } from "vitest";
import {
  accessFor,
  app,
  messages,
  rest,
  type ScreenVariant,
  scanningWindow,
  seriousViolations,
  signIn,
  startChatApp,
} from "./support";

startChatApp();

const VARIANTS: ScreenVariant[] = [
  { name: "desktop-light", viewport: { width: 1920, height: 1080 }, colorScheme: "light", phone: false },
  { name: "desktop-dark", viewport: { width: 1920, height: 1080 }, colorScheme: "dark", phone: false },
  { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light", phone: true },
  { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark", phone: true },
];

describe("the conversation view", () => {
  it.each(VARIANTS)("reads well and keeps its actions at hand ($name)", async (variant) => {
    const [ivy, hal] = [await accessFor("ivy"), await accessFor("hal")];
    const people: { id: number; username: string }[] = (await rest("GET", "/profiles/?limit=100", ivy)).results;
    const id = (username: string) => people.find((person) => person.username === username)!.id;
    const title = `Standup ${variant.name}`;
    const group = await rest("POST", "/rooms/", hal, { title, participants: [id("ivy")] });
    const say = (who: string, message: string) =>
      rest("POST", "/send_message_to_room/", who, { group_id: group.id, message });
    await say(ivy, "Morning! Standup at ten.");
    await say(hal, "Are we on at ten?");
    await say(hal, "I can take notes.");

    const context = await scanningWindow(variant);
    const page = await signIn("ivy", await context.newPage());
    await page.getByRole("button", { name: new RegExp(title) }).click();
    const log = messages(page);
    await log.getByText("I can take notes.").waitFor();
    const row = (text: string) => log.locator("li[data-message-id]", { hasText: text });

    // The line is above Hal's first message, the first I had not read; my own is above it.
    const line = log.locator("li", { hasText: /^New messages$/ });
    await line.waitFor();
    expect(await line.evaluate((li) => li.nextElementSibling?.textContent)).toContain("Are we on at ten?");
    expect(
      await row("Morning!").evaluate(
        (li, mark) => !!(li.compareDocumentPosition(mark!) & 4),
        await line.elementHandle(),
      ),
    ).toBe(true);
    // One name and picture per run: Hal's second message shows neither.
    expect(await row("Are we on at ten?").getByText("Hal", { exact: true }).count()).toBe(1);
    expect(await row("I can take notes.").getByText("Hal", { exact: true }).count()).toBe(0);
    // "Sent" or "Seen by" only under my latest message.
    expect(await log.getByText(/^(Sent|Seen by)/).count()).toBe(1);

    const opacity = (selector: string, text: string) =>
      row(text)
        .locator(selector)
        .evaluate((el) => getComputedStyle(el).opacity);
    if (!variant.phone) {
      // A reading width: the rows keep to a centred column, not the far edges of 1920 px.
      const logBox = (await log.boundingBox())!;
      const rowBox = (await row("I can take notes.").boundingBox())!;
      expect(logBox.width).toBeGreaterThan(1200);
      expect(rowBox.width).toBeLessThanOrEqual(900);
      expect(Math.abs(rowBox.x + rowBox.width / 2 - (logBox.x + logBox.width / 2))).toBeLessThan(20);
      // A follow-on row's time and every row's actions show on hover only.
      expect(await opacity("time", "I can take notes.")).toBe("0");
      expect(await opacity("fieldset", "I can take notes.")).toBe("0");
      await row("I can take notes.").hover();
      await expect.poll(() => opacity("time", "I can take notes.")).toBe("1");
      await expect.poll(() => opacity("fieldset", "I can take notes.")).toBe("1");
      expect(
        await row("I can take notes.")
          .getByRole("button", { name: /^Reply to message/ })
          .isVisible(),
      ).toBe(true);
      await row("I can take notes.")
        .getByRole("button", { name: /^Reply in thread to message/ })
        .click();
    } else {
      // No hover on a phone: no actions beside the messages, a long press opens them.
      const toolbar = (await row("Morning!").locator("fieldset").boundingBox())!;
      expect(toolbar.width * toolbar.height).toBeLessThanOrEqual(1);
      const text = row("Morning!").locator("[data-message-text]");
      await text.dispatchEvent("pointerdown", { pointerType: "touch", isPrimary: true });
      const sheet = page.getByRole("dialog", { name: "Message actions" });
      await sheet.waitFor();
      await text.dispatchEvent("pointerup", { pointerType: "touch", isPrimary: true });
      expect(await sheet.getByRole("button", { name: "Edit" }).isVisible()).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await sheet.getByRole("button", { name: "Delete" }).click();
      const confirm = page.getByRole("dialog", { name: "Delete message" });
      await confirm.getByRole("button", { name: "Delete", exact: true }).click();
      await log.getByText("This message was deleted.").waitFor();
      await row("I can take notes.").locator("[data-message-text]").dispatchEvent("contextmenu");
      await page
        .getByRole("dialog", { name: "Message actions" })
        .getByRole("button", { name: "Reply in thread" })
        .click();
    }

    // Its thread opens beside the conversation (over it, on a phone), readable in either theme.
    const thread = page.getByRole("complementary", { name: "Thread" });
    await thread.getByText("I can take notes.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await thread.getByRole("button", { name: "Close the thread" }).click();
    await thread.waitFor({ state: "detached" });

    // Changes to the group while it is open are noted in the timeline, where they happened.
    const renamed = `${title} daily`;
    await rest("PATCH", `/rooms/${group.id}/`, hal, { title: renamed });
    await log.getByText(`Hal renamed the group to “${renamed}”`).waitFor();
    await rest("POST", `/rooms/${group.id}/members/`, ivy, { participants: [id("kim"), id("gus")] });
    await log.getByText("You added Kim to the group").waitFor();
    await log.getByText("You added Gus to the group").waitFor();
    const kim = await accessFor("kim");
    const kimSaid = `Kim here for ${variant.name}, off soon.`;
    await say(kim, kimSaid);
    await log.getByText(kimSaid).waitFor();
    const left = await fetch(`${app.server.url}/api/v1/rooms/${group.id}/members/${id("kim")}/`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${kim}` },
    });
    expect(left.status).toBe(204);
    await log.getByText("Kim left the group").waitFor();
    const removed = await fetch(`${app.server.url}/api/v1/rooms/${group.id}/members/${id("gus")}/`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${hal}` },
    });
    expect(removed.status).toBe(204);
    await log.getByText("Hal removed Gus from the group").waitFor();
    // The header follows the new title too.
    await page.getByRole("heading", { name: renamed, level: 2 }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The room kept them: a reload shows each again, once, after the messages they followed.
    await page.reload();
    await page.getByRole("button", { name: new RegExp(renamed) }).click();
    await log.getByText("I can take notes.").waitFor();
    const notes = [
      `Hal renamed the group to “${renamed}”`,
      "You added Kim to the group",
      "You added Gus to the group",
      "Kim left the group",
      "Hal removed Gus from the group",
    ];
    for (const note of notes) await log.getByText(note).waitFor();
    const lines = await log.locator("li").allTextContents();
    const at = (text: string) => lines.findIndex((line) => line.includes(text));
    for (const note of notes)
      expect(
        lines.filter((line) => line.includes(note)),
        note,
      ).toHaveLength(1);
    expect(at("I can take notes.")).toBeLessThan(at(notes[0]));
    const [rename, addKim, addGus, kimLeft, gusRemoved] = notes.map(at);
    expect(Math.max(rename, addKim, addGus, kimLeft)).toBeLessThan(gusRemoved);
    expect(Math.max(rename, addKim, addGus)).toBeLessThan(kimLeft);
    expect(rename).toBeLessThan(Math.min(addKim, addGus));
    // Kim left, and her message still says who wrote it.
    expect(await row(kimSaid).getByText("Kim", { exact: true }).count()).toBe(1);
    expect(await row(kimSaid).getByText("Someone").count()).toBe(0);

    // A sender's name opens their card, and its Message our DM (a draft: we have none yet).
    await row("Are we on at ten?").getByRole("button", { name: "Show Hal's profile" }).click();
    const card = page.getByRole("dialog", { name: "Hal" });
    await card.getByText("@hal").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await card.getByRole("button", { name: "Message" }).click();
    await card.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Hal", level: 2 }).waitFor();
    expect(await page.getByLabel("Message Hal").isVisible()).toBe(true);
  });
});
