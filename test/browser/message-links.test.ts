/**
 * Links to a message, end to end in Chromium: opening the link of an early message of a long
 * room shows it highlighted in the middle, scrolling down reaches the live messages with none
 * lost or doubled, "Copy link" copies the link, and someone outside the room is refused.
 */
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { accessFor, app, messages, newPage, PASSWORD, rest, startChatApp } from "./support";

// One sender writes the whole long history at once: well past the usual burst allowance.
startChatApp({ vars: { SEND_BURST: "500", SEND_PER_SECOND: "100" } });

const HISTORY = 120;
let room: { id: number };
/** Message ids of "message 1" … "message 120", in order. */
const ids: number[] = [];

beforeAll(async () => {
  const ana = await accessFor("ana");
  const people: { id: number; username: string }[] = await rest("GET", "/profiles/get_available_users/", ana);
  const bo = people.find((person) => person.username === "bo")!;
  room = await rest("POST", "/rooms/", ana, { title: "Long history", participants: [bo.id] });
  for (let n = 1; n <= HISTORY; n++) {
    const answer = await rest("POST", "/send_message_to_room/", ana, { group_id: room.id, message: `message ${n}` });
    ids.push(answer.messages.at(-1).id);
  }
});

const linkTo = (messageId: number) => `${app.server.url}/rooms/${room.id}/messages/${messageId}`;

/** Opens `address` in a new window and signs in there, as someone following a link does. */
async function follow(address: string, username: string, page?: Page): Promise<Page> {
  page ??= await newPage();
  await page.goto(address);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}

/** Whether the element lies wholly inside the visible part of the conversation. */
const onScreen = (page: Page, messageId: number) =>
  messages(page).evaluate((log, id) => {
    const item = log.querySelector(`[data-message-id="${id}"]`);
    if (!item) return false;
    const [box, shown] = [item.getBoundingClientRect(), log.getBoundingClientRect()];
    return box.top >= shown.top && box.bottom <= shown.bottom;
  }, messageId);

/** The texts of the history's messages as shown, top to bottom. */
const shownTexts = (page: Page) =>
  messages(page)
    .locator("[data-message-id] [data-message-text]")
    .evaluateAll((texts) => texts.map((text) => text.textContent ?? ""));

describe("links to a message", () => {
  it("are answered with the app and its security headers, whatever the ids", async () => {
    for (const address of [linkTo(ids[0]), `${app.server.url}/rooms/999999/messages/1/`]) {
      const response = await fetch(address);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(await response.text()).toContain('<div id="app">');
    }
  });

  it("open an early message of a long room highlighted on screen, and scrolling down reaches the live messages, each once", async () => {
    const early = ids[9];
    const bo = await follow(linkTo(early), "bo");
    const linked = messages(bo).locator(`[data-message-id="${early}"]`);
    await linked.getByText("Linked message").waitFor();
    await expect.poll(() => onScreen(bo, early)).toBe(true);
    expect(await linked.evaluate((item) => item === document.activeElement)).toBe(true);
    expect(await messages(bo).getByText(`message ${HISTORY}`, { exact: true }).count()).toBe(0);
    expect(new URL(bo.url()).pathname).toBe(`/rooms/${room.id}/messages/${early}`);

    // Sent while Bo reads far back: it waits below until the pages in between are in.
    await rest("POST", "/send_message_to_room/", await accessFor("ana"), { group_id: room.id, message: "live one" });
    const liveOne = messages(bo).getByText("live one");
    await expect
      .poll(
        async () => {
          await messages(bo).evaluate((log) => log.scrollTo({ top: log.scrollHeight }));
          return liveOne.count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    const expected = [...Array.from({ length: HISTORY }, (_, i) => `message ${i + 1}`), "live one"];
    expect(await shownTexts(bo)).toEqual(expected);

    // Now at the live end, the next message joins as usual, and reading it counts.
    await rest("POST", "/send_message_to_room/", await accessFor("ana"), { group_id: room.id, message: "live two" });
    await messages(bo).getByText("live two").waitFor();
    expect(await shownTexts(bo)).toEqual([...expected, "live two"]);
  });

  it("are what Copy link copies, and opening one from a conversation jumps back to the message", async () => {
    const bo = await follow(app.server.url, "bo");
    await bo.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.server.url });
    await bo.getByRole("button", { name: /Long history/ }).click();
    const latest = messages(bo).locator(`[data-message-id="${ids[HISTORY - 1]}"]`);
    await latest.hover();
    await latest.getByRole("button", { name: `Copy link to message: message ${HISTORY}` }).click();
    await latest.getByText("Link copied").waitFor();
    const copied = await bo.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(linkTo(ids[HISTORY - 1]));

    await bo.goto(linkTo(ids[59]));
    await messages(bo).locator(`[data-message-id="${ids[59]}"]`).getByText("Linked message").waitFor();
    await expect.poll(() => onScreen(bo, ids[59])).toBe(true);
  });

  it("refuse someone outside the room, and say when a member's link names no message of the room", async () => {
    const cy = await follow(linkTo(ids[9]), "cy");
    await cy.getByRole("heading", { name: "You can't see that message" }).waitFor();
    expect(await cy.getByText("message 10", { exact: true }).count()).toBe(0);

    const bo = await follow(`${app.server.url}/rooms/${room.id}/messages/999999999`, "bo");
    await bo.getByText("No such message in this conversation. Here are its latest messages.").waitFor();
    await messages(bo).getByText(`message ${HISTORY}`, { exact: true }).waitFor();
  });
});
