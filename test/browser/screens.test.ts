/**
 * Every screen of the web client, scanned with axe-core and photographed (desktop and
 * phone, light and dark) into screenshots/, which git ignores.
 */
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
  signIn,
  startChatApp,
} from "./support";

startChatApp();

const VARIANTS: ScreenVariant[] = [
  { name: "desktop-light", viewport: { width: 1280, height: 800 }, colorScheme: "light", phone: false },
  { name: "desktop-dark", viewport: { width: 1280, height: 800 }, colorScheme: "dark", phone: false },
  { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light", phone: true },
  { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark", phone: true },
];

describe("every screen", () => {
  /** A message link into the group, and one into a group Rita is not in. */
  const links = { linked: "", refused: "" };
  beforeAll(async () => {
    const [rita, hal, ivy] = [await accessFor("root"), await accessFor("hal"), await accessFor("ivy")];
    const people: { id: number; username: string }[] = (await rest("GET", "/profiles/?limit=100", rita)).results;
    const id = (username: string) => people.find((person) => person.username === username)!.id;
    await rest("POST", "/send_message_to_user/", hal, { user_id: id("root"), message: "Are the slides ready?" });
    const group = await rest("POST", "/rooms/", rita, { title: "Design review", participants: [id("hal"), id("ivy")] });
    const say = (who: string, message: string) =>
      rest("POST", "/send_message_to_room/", who, { group_id: group.id, message });
    await say(rita, "Morning! The new sidebar is up on staging.");
    await say(hal, "Looks great. Notes are in https://example.com/notes");
    const linked = (await say(hal, "One thing: the badge colour in dark mode.")).messages.at(-1).id;
    links.linked = `/rooms/${group.id}/messages/${linked}`;
    await say(ivy, "Agreed, I will fix it today.");
    await say(rita, "Thanks both!");
    const theirs = await rest("POST", "/rooms/", hal, { title: "Hal and Ivy", participants: [id("ivy")] });
    const note = await rest("POST", "/send_message_to_room/", hal, { group_id: theirs.id, message: "Just us." });
    links.refused = `/rooms/${theirs.id}/messages/${note.messages.at(-1).id}`;
  });

  it.each(VARIANTS)("has no serious or critical accessibility problem on any screen ($name)", async (variant) => {
    const context = await scanningWindow(variant);
    const page = await context.newPage();
    const problems: string[] = [];
    const screen = async (name: string) => problems.push(...(await photographAndScan(page, name, variant)));

    await page.goto(app.server.url);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await screen("sign-in");
    await signIn("root", page);
    await page.getByRole("button", { name: /Design review/ }).waitFor();
    await screen("conversations");
    await page.getByRole("button", { name: /Design review/ }).click();
    await messages(page).getByText("Thanks both").waitFor();
    await screen("conversation");
    await messages(page).getByRole("button", { name: "Show Hal's profile" }).first().click();
    await page.getByRole("dialog", { name: "Hal" }).waitFor();
    await screen("profile-card");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Details" }).click();
    await page.getByRole("dialog").waitFor();
    await screen("group-details");
    await page.keyboard.press("Escape");
    if (variant.phone) await page.getByRole("button", { name: "Back to conversations" }).click();
    await page.getByRole("button", { name: "New group" }).click();
    await page.getByRole("dialog", { name: "New group" }).waitFor();
    await screen("new-group");
    await page.keyboard.press("Escape");
    await fromMyMenu(page, "Profile");
    await page.getByRole("dialog", { name: "Your profile" }).waitFor();
    await screen("profile");
    await page.keyboard.press("Escape");
    await fromMyMenu(page, "Admin");
    await page.getByRole("heading", { name: "Administration" }).waitFor();
    await page.getByText("Hal (hal)").waitFor();
    await screen("admin");
    // A row's three buttons are short: on one line beside the person on a desktop, and on a
    // phone wrapped under them, each on one line, none past the row's edge.
    const hal = page.getByRole("listitem", { name: "Hal (hal)" });
    const rowBox = (await hal.boundingBox())!;
    const buttons = await Promise.all((await hal.getByRole("button").all()).map(async (b) => (await b.boundingBox())!));
    expect(await hal.getByRole("button").allTextContents()).toEqual(["Deactivate", "Make superuser", "Reset password"]);
    for (const box of buttons) {
      expect(box.x + box.width).toBeLessThanOrEqual(rowBox.x + rowBox.width);
      expect(box.height).toBeLessThan(50);
    }
    if (!variant.phone) {
      expect(new Set(buttons.map((box) => Math.round(box.y))).size).toBe(1);
      expect(rowBox.height).toBeLessThan(80);
    }
    // My own row offers nothing that would lock me out: no Deactivate, no Revoke superuser.
    const mine = page.getByRole("listitem", { name: "Rita (root)" });
    expect(await mine.getByRole("button").allTextContents()).toEqual(["Reset password"]);
    // The search narrows the list as I type, and says when no one matches.
    const search = page.getByRole("main").getByRole("searchbox", { name: "Search people" });
    await search.fill("hal");
    await page.getByText("1 person matches “hal”.").waitFor();
    expect(await page.getByRole("list", { name: "People" }).getByRole("listitem").count()).toBe(1);
    await screen("admin-search");
    await search.fill("nobody-like-this");
    await page.getByText("No one matches “nobody-like-this”.").waitFor();
    expect(await page.getByRole("list", { name: "People" }).count()).toBe(0);
    if (variant.phone) await page.getByRole("button", { name: "Back to conversations" }).click();
    await page.getByRole("button", { name: "Search messages" }).click();
    await page.getByLabel("Search messages").fill("slides");
    await page.getByText("How to search").click();
    // Scanned once the search has answered, whatever it found.
    await page
      .getByRole("main")
      .getByText(/No messages match\.|slides/)
      .first()
      .waitFor();
    await screen("message-search");
    await page.goto(`${app.server.url}${links.linked}`);
    await messages(page).getByText("Linked message").waitFor();
    await screen("linked-message");
    await page.goto(`${app.server.url}${links.refused}`);
    await page.getByRole("heading", { name: "You can't see that message" }).waitFor();
    await screen("link-refused");
    expect(problems).toEqual([]);
  });
});
