/**
 * The sidebar in Chromium: my menu at my name (setting a status, pausing notifications),
 * the people directory with its profile cards (axe-clean in both themes, on a desktop and
 * a phone, photographed into screenshots/), and other people's changes reaching my list
 * and open room live.
 */
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  accessFor,
  app,
  fromMyMenu,
  messages,
  photographAndScan,
  rest,
  type ScreenVariant,
  scanningWindow,
  seriousViolations,
  signIn,
  startChatApp,
} from "./support";

startChatApp();

const VARIANTS: ScreenVariant[] = [
  { name: "desktop-light", viewport: { width: 1440, height: 900 }, colorScheme: "light", phone: false },
  { name: "desktop-dark", viewport: { width: 1440, height: 900 }, colorScheme: "dark", phone: false },
  { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light", phone: true },
  { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark", phone: true },
];

const idsOf = async (token: string) => {
  const people: { id: number; username: string }[] = (await rest("GET", "/profiles/?limit=100", token)).results;
  return (username: string) => people.find((person) => person.username === username)!.id;
};

/** The sidebar's entry for the room, as its text reads. */
const listed = (page: Page, roomId: number) => page.locator(`nav [data-room="${roomId}"]`).textContent();

describe("other people's changes", () => {
  it("reach the other members' list and open room at once: a new title, an edit and a delete", async () => {
    const rita = await accessFor("root");
    const id = await idsOf(rita);
    const group = await rest("POST", "/rooms/", rita, { title: "Ops", participants: [id("ana"), id("bo")] });
    const said = await rest("POST", "/send_message_to_room/", rita, { group_id: group.id, message: "lunch at noon?" });
    const message = said.messages.at(-1).id;
    const [ana, bo] = [await signIn("ana"), await signIn("bo")];
    await expect.poll(() => listed(ana, group.id)).toContain("lunch at noon?");
    await bo.locator(`nav [data-room="${group.id}"]`).click();
    await bo.getByRole("heading", { name: "Ops", level: 2 }).waitFor();
    await messages(bo).getByText("lunch at noon?").waitFor();

    await rest("PATCH", `/rooms/${group.id}/`, rita, { title: "Operations" });
    await expect.poll(() => listed(ana, group.id)).toContain("Operations");
    await bo.getByRole("heading", { name: "Operations", level: 2 }).waitFor();

    await rest("PATCH", `/messages/${message}/`, rita, { content: "lunch at one?" });
    await expect.poll(() => listed(ana, group.id)).toContain("lunch at one?");
    await fetch(`${app.server.url}/api/v1/messages/${message}/`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${rita}` },
    });
    await expect.poll(() => listed(ana, group.id)).toContain("Message deleted");
    expect(await listed(ana, group.id)).not.toContain("lunch");
  });
});

describe("my menu and the people directory", () => {
  beforeAll(async () => {
    const rita = await accessFor("root");
    const id = await idsOf(rita);
    await rest("POST", "/send_message_to_user/", await accessFor("hal"), {
      user_id: id("root"),
      message: "Are the slides ready?",
    });
    const group = await rest("POST", "/rooms/", rita, { title: "Design review", participants: [id("hal"), id("ivy")] });
    await rest("POST", "/send_message_to_room/", rita, { group_id: group.id, message: "The new sidebar is up." });
  });

  it("offers the directory to someone with no conversations, and messages a colleague from it", async () => {
    const kim = await signIn("kim");
    await kim.getByRole("button", { name: "Find people to message" }).click();
    const directory = kim.getByRole("region", { name: "People" });
    await directory.getByLabel("Search people").fill("gus");
    await directory.getByRole("button", { name: "Message Gus" }).click();
    await kim.getByRole("heading", { name: "Gus", level: 2 }).waitFor();
  });

  it("works from the keyboard: the menu opens, moves with the arrows and closes with Escape", async () => {
    const page = await signIn("root");
    const opener = page.getByRole("navigation").locator('button[aria-haspopup="menu"]');
    await opener.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Set a status");
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Profile");
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowUp");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Admin");
    await page.keyboard.press("Escape");
    await page.getByRole("menu").waitFor({ state: "detached" });
    expect(await opener.evaluate((button) => button === document.activeElement)).toBe(true);
    await fromMyMenu(page, "Admin");
    await page.getByRole("heading", { name: "Administration" }).waitFor();
  });

  it.each(VARIANTS)("has no serious or critical accessibility problem ($name)", async (variant) => {
    const context = await scanningWindow(variant);
    const page = await context.newPage();
    const problems: string[] = [];
    const screen = async (name: string) => problems.push(...(await photographAndScan(page, name, variant)));

    await signIn("root", page);
    await page.getByRole("button", { name: /Design review/ }).waitFor();
    await screen("sidebar");
    await page.getByRole("navigation").locator('button[aria-haspopup="menu"]').click();
    await page.getByRole("menu").waitFor();
    await screen("user-menu");
    await page.keyboard.press("Escape");

    // The room's menu in its header says the room's level, and is worked as my menu is.
    await page.getByRole("button", { name: /Design review/ }).click();
    await page.getByRole("heading", { name: "Design review", level: 2 }).waitFor();
    const levels = page.getByRole("main").getByRole("button", { name: /^Notifications: / });
    await levels.click();
    const roomMenu = page.getByRole("menu", { name: "This room" });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-checked"))).toBe("true");
    await screen("room-menu");
    await page.keyboard.press("Escape");
    await roomMenu.waitFor({ state: "detached" });
    expect(await levels.evaluate((button) => button === document.activeElement)).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("menuitemradio", { name: "Nothing (muted)" }).click();
    await expect.poll(() => levels.getAttribute("aria-label")).toBe("Notifications: Muted");
    expect(await levels.evaluate((button) => button === document.activeElement)).toBe(true);
    await screen("room-muted");
    if (variant.phone) await page.getByRole("button", { name: "Back to conversations" }).click();
    // The list marks the room muted, in words as well as with its struck bell.
    await expect.poll(() => page.getByRole("button", { name: /Design review/ }).textContent()).toContain("muted");
    await page.getByRole("button", { name: "People", exact: true }).click();
    const directory = page.getByRole("region", { name: "People" });
    await directory.getByText("@hal").waitFor();
    await screen("directory");
    await directory.getByRole("button", { name: "Hal's profile" }).click();
    await page.getByRole("dialog", { name: "Hal" }).waitFor();
    await screen("profile-card");
    expect(problems).toEqual([]);
  });
});

describe("a status and paused notifications", () => {
  it("are set from my menu, and others see my status in the directory and our DM's header", async () => {
    // Scanning windows, so axe can look at the dialog and the menu: one dark on a desktop, one light on a phone.
    const fay = await signIn("fay", await (await scanningWindow(VARIANTS[1])).newPage());
    await fromMyMenu(fay, "Set a status");
    const dialog = fay.getByRole("dialog", { name: "Set a status" });
    await dialog.getByRole("button", { name: /In a meeting/ }).click();
    expect(await seriousViolations(fay)).toEqual([]);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    const opener = fay.getByRole("navigation").locator('button[aria-haspopup="menu"]');
    await expect.poll(() => opener.textContent()).toContain("🗓️");

    await fromMyMenu(fay, "For 30 minutes");
    const paused = fay.getByRole("navigation").getByText(/Notifications paused until/);
    await paused.waitFor();
    const me = await rest("GET", "/profiles/me/", await accessFor("fay"));
    expect(Date.parse(me.dnd_until) - Date.now()).toBeGreaterThan(25 * 60_000);
    expect(me).toMatchObject({ status_emoji: "🗓️", status_text: "In a meeting" });
    await opener.click();
    await fay.getByRole("menuitem", { name: "Resume notifications" }).waitFor();
    expect(await seriousViolations(fay)).toEqual([]);
    await fay.keyboard.press("Escape");

    const gus = await signIn("gus", await (await scanningWindow(VARIANTS[2])).newPage());
    await gus.getByRole("button", { name: "People", exact: true }).click();
    const directory = gus.getByRole("region", { name: "People" });
    await directory.getByText("@fay").waitFor();
    const fayRow = directory.getByRole("listitem").filter({ hasText: "@fay" });
    expect(await fayRow.textContent()).toContain("🗓️ In a meeting");
    await directory.getByRole("button", { name: "Message Fay" }).click();
    const header = gus.getByRole("main").locator("header").first();
    await gus.getByRole("heading", { name: "Fay", level: 2 }).waitFor();
    expect(await header.textContent()).toContain("🗓️ In a meeting");
    expect(await seriousViolations(gus)).toEqual([]);
  });
});
