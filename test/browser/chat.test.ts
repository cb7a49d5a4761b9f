/**
 * The web client end to end: real Chromium windows, one per person, against the app as
 * `npm start` serves it. People sign in, find each other, chat live in DMs and groups, see
 * typing and unread badges, change their picture, come back from a dropped connection with
 * what they missed, and never see markup run.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  accessFor,
  app,
  FIRST_LOAD_JS_BUDGET,
  fromMyMenu,
  MARKUP_MESSAGE,
  MARKUP_NAME,
  messages,
  newPage,
  openDm,
  PASSWORD,
  png,
  rest,
  send,
  signIn,
  startChatApp,
} from "./support";

startChatApp();

describe("the web client", () => {
  it("says clearly when a password is wrong, and a reload keeps me signed in without any token a script can read", async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    await page.goto(app.server.url);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    // A first visit has no session to resume: nothing is refused, nothing is logged.
    expect(errors).toEqual([]);
    await page.getByLabel("Username").fill("ana");
    await page.getByLabel("Password").fill("not her password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("do not match an active account");
    // Editing the password takes the old sentence away.
    await page.getByLabel("Password").fill("another guess");
    await expect.poll(() => page.getByRole("alert").count()).toBe(0);

    await signIn("ana", page);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(
      await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
    ).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);
    await page.reload();
    await page.getByRole("heading", { name: "Conversations" }).waitFor();

    await fromMyMenu(page, "Sign out");
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  });

  it("keeps both tabs of one browser signed in when they renew their session at the same moment", async () => {
    const first = await signIn("ana");
    const second = await first.context().newPage();
    await second.goto(app.server.url);
    await second.getByRole("heading", { name: "Conversations" }).waitFor();
    // Each reload renews through the one refresh cookie the tabs share, which rotates on use.
    for (let round = 0; round < 3; round++) {
      await Promise.all([first.reload(), second.reload()]);
      await Promise.all([first, second].map((tab) => tab.getByRole("heading", { name: "Conversations" }).waitFor()));
    }
  });

  it("lets two people find each other and DM both ways live, with typing, unread badges, seen-by, edits and deletes", async () => {
    const ana = await signIn("ana");
    const bo = await signIn("bo");

    await openDm(ana, "Bo");
    await send(ana, "Bo", "hi Bo, lunch?");
    await messages(ana).getByText("hi Bo, lunch?").waitFor();

    // Bo was not looking: the DM shows up in his sidebar, live, with a badge.
    await bo.getByText("1 unread", { exact: true }).waitFor();
    await bo.getByRole("button", { name: /Ana/ }).click();
    // Typing at once, while the room's socket still opens: the key it could not tell does not
    // hold back the next ones, which Ana sees as soon as it is open.
    await bo.getByLabel("Message Ana").press("s");
    await bo.waitForFunction(() =>
      (window as unknown as { __sockets: WebSocket[] }).__sockets.some(
        (socket) => socket.url.includes("/rooms/") && socket.readyState === WebSocket.OPEN,
      ),
    );
    await bo.getByLabel("Message Ana").pressSequentially("ure");
    await ana.getByText("Bo is typing…").waitFor();
    await messages(bo).getByText("hi Bo, lunch?").waitFor();
    await expect.poll(() => bo.getByText("1 unread", { exact: true }).count()).toBe(0);
    await ana.getByText("Seen by Bo").waitFor();

    await bo.getByLabel("Message Ana").press("Shift+Enter");
    await bo.getByLabel("Message Ana").pressSequentially("at noon");
    await bo.getByLabel("Message Ana").press("Enter");
    const reply = messages(ana).locator("[data-message-id]", { hasText: "sure" });
    await reply.waitFor();
    expect(await reply.locator("p").innerText()).toBe("sure\nat noon");
    await expect.poll(() => ana.getByText("Bo is typing…").count()).toBe(0);

    await messages(ana).getByRole("button", { name: "Edit message: hi Bo, lunch?" }).click();
    await ana.getByLabel("Edit message").fill("hi Bo, lunch today?");
    await ana.getByLabel("Edit message").press("Enter");
    const edited = messages(bo).locator("[data-message-id]", { hasText: "hi Bo, lunch today?" });
    await edited.getByText("edited").waitFor();

    await messages(ana).getByRole("button", { name: "Delete message: hi Bo, lunch today?" }).click();
    // The app asks in its own dialog (the browser's confirm box is never used).
    await ana
      .getByRole("dialog", { name: "Delete message" })
      .getByRole("button", { name: "Delete", exact: true })
      .click();
    await messages(bo).getByText("This message was deleted.").waitFor();
  });

  it("creates a group with a title and members, and everyone in it chats live under their names", async () => {
    const [cy, dee, eli] = [await signIn("cy"), await signIn("dee"), await signIn("eli")];
    await cy.getByRole("button", { name: "New group" }).click();
    const dialog = cy.getByRole("dialog", { name: "New group" });
    // No title yet: said as a sentence under the field, and gone once a title is typed.
    await dialog.getByRole("button", { name: "Create group" }).click();
    await dialog.getByText("The title must not be blank.").waitFor();
    await dialog.getByLabel("Title").fill("Lunch plans");
    expect(await dialog.getByText("The title must not be blank.").count()).toBe(0);
    for (const name of ["Dee", "Eli"]) {
      await dialog.getByLabel("Add people").fill(name.toLowerCase());
      await dialog.getByRole("button", { name: `Add ${name}` }).click();
    }
    await dialog.getByRole("button", { name: "Create group" }).click();
    await cy.getByRole("heading", { name: "Lunch plans", level: 2 }).waitFor();

    await send(cy, "Lunch plans", "noon at the usual place?");
    for (const page of [dee, eli]) {
      await page.getByRole("button", { name: /Lunch plans/ }).click();
      await messages(page).getByText("noon at the usual place?").waitFor();
      await messages(page).getByText("Cy", { exact: true }).waitFor();
    }
    await send(dee, "Lunch plans", "works for me");
    await messages(cy).getByText("works for me").waitFor();
    await messages(eli).getByText("Dee", { exact: true }).waitFor();
    await cy.getByText(/Seen by (Dee, Eli|Eli, Dee)/).waitFor();

    // Once renamed, the pressed Rename is disabled and focus has left it: Escape still closes.
    await cy.getByRole("button", { name: "Details" }).click();
    const details = cy.getByRole("dialog", { name: "Group details" });
    await details.getByLabel("Group title").fill("Lunch plans, Friday");
    await details.getByRole("button", { name: "Rename" }).click();
    await expect.poll(() => details.getByRole("button", { name: "Rename" }).isDisabled()).toBe(true);
    await cy.keyboard.press("Escape");
    await details.waitFor({ state: "detached" });
    await cy.getByRole("heading", { name: "Lunch plans, Friday", level: 2 }).waitFor();

    // Leaving asks first, in the app's own dialog.
    await eli.getByRole("button", { name: "Details" }).click();
    await eli.getByRole("dialog", { name: "Group details" }).getByRole("button", { name: "Leave group" }).click();
    await eli.getByRole("dialog", { name: "Leave this group?" }).getByRole("button", { name: "Leave group" }).click();
    await expect.poll(() => eli.getByRole("button", { name: /Lunch plans/ }).count()).toBe(0);
    await messages(cy).getByText("Eli left the group").waitFor();
  });

  it("shows a name and a message full of markup and scripts as plain text", async () => {
    const mallory = await signIn("mallory");
    const fay = await signIn("fay");
    await openDm(mallory, "Fay");
    await send(mallory, "Fay", MARKUP_MESSAGE);
    await fay.getByRole("button", { name: MARKUP_NAME }).click();
    await messages(fay).getByText(MARKUP_MESSAGE).waitFor();
    await fay.getByRole("heading", { name: MARKUP_NAME }).waitFor();
    for (const page of [fay, mallory]) {
      expect(await page.locator("main img[src='x'], main script, main b").count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    }
    // Links are real links; the text around them stays text.
    await send(fay, MARKUP_NAME, "see https://example.com/menu.");
    const link = messages(mallory).getByRole("link", { name: "https://example.com/menu" });
    await link.waitFor();
    expect(await link.getAttribute("rel")).toContain("noopener");
  });

  it("comes back from a dropped connection with the messages it missed", async () => {
    const gus = await signIn("gus");
    const eli = await signIn("eli");
    await openDm(gus, "Eli");
    await send(gus, "Eli", "before the drop");
    await eli.getByRole("button", { name: /Gus/ }).click();
    await messages(eli).getByText("before the drop").waitFor();

    await eli.context().setOffline(true);
    await eli.evaluate(() => {
      for (const socket of (window as unknown as { __sockets: WebSocket[] }).__sockets) socket.close();
    });
    await eli.getByText("You are offline").waitFor();
    await send(gus, "Eli", "missed one");
    await send(gus, "Eli", "missed two");
    await messages(gus).getByText("missed two").waitFor();
    const socketStates = await eli.evaluate(() =>
      (window as unknown as { __sockets: WebSocket[] }).__sockets.map((socket) => socket.readyState),
    );
    // 2 and 3: CLOSING and CLOSED.
    expect(socketStates.every((state) => state >= 2)).toBe(true);
    expect(await messages(eli).getByText("missed one").count()).toBe(0);

    await eli.context().setOffline(false);
    await messages(eli).getByText("missed two").waitFor();
    await messages(eli).getByText("missed one").waitFor();
    await expect.poll(() => eli.getByText("You are offline").count()).toBe(0);
    await expect.poll(() => eli.getByText("Connection lost").count()).toBe(0);
    const order = await messages(eli).locator("[data-message-id] [data-message-text]").allInnerTexts();
    expect(order).toEqual(["before the drop", "missed one", "missed two"]);
  });

  it("loads older messages as I scroll up, keeping my place", async () => {
    const senders = ["cy", "dee", "eli", "fay", "gus", "hal", "ivy"];
    const tokens = await Promise.all(senders.map(accessFor));
    const people: { id: number; username: string }[] = await rest("GET", "/profiles/get_available_users/", tokens[0]);
    const others = people.filter((person) => senders.includes(person.username)).map((person) => person.id);
    const group = await rest("POST", "/rooms/", tokens[0], { title: "Long history", participants: others });
    // Nine each stays within every sender's burst allowance, so nothing waits.
    for (let round = 1; round <= 9; round++) {
      await Promise.all(
        tokens.map((token, i) =>
          rest("POST", "/send_message_to_room/", token, {
            group_id: group.id,
            message: `round ${round} from ${senders[i]}`,
          }),
        ),
      );
    }
    const hal = await signIn("hal");
    await hal.getByRole("button", { name: /Long history/ }).click();
    await messages(hal).getByText("round 9 from ivy").waitFor();
    expect(await messages(hal).getByText("round 1 from cy").count()).toBe(0);
    const shown = await messages(hal).locator("[data-message-id]").count();
    expect(shown).toBe(50);

    const anchor = messages(hal).locator("[data-message-id]").first();
    const anchorId = await anchor.getAttribute("data-message-id");
    await messages(hal).evaluate((log) => (log.scrollTop = 0));
    await messages(hal).getByText("round 1 from cy").waitFor();
    expect(await messages(hal).locator("[data-message-id]").count()).toBe(63);
    // What was at the top is still on screen, not jumped away from.
    await expect.poll(() => messages(hal).locator(`[data-message-id="${anchorId}"]`).isVisible()).toBe(true);
    expect(await messages(hal).getByRole("heading", { name: "Today" }).count()).toBe(1);
  });

  it("marks sends the server refuses as not sent, and a retry delivers each exactly once", async () => {
    const hal = await signIn("hal");
    await openDm(hal, "Cy");
    await send(hal, "Cy", "about to type very fast");
    await messages(hal).getByText("about to type very fast").waitFor();
    const texts = Array.from({ length: 16 }, (_, i) => `burst ${i + 1}`);
    // Typed faster than any person could: past the burst allowance the room refuses sends.
    await hal.getByLabel("Message Cy").evaluate(async (box: HTMLTextAreaElement, all: string[]) => {
      for (const text of all) {
        box.value = text;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        await new Promise((settle) => setTimeout(settle));
        box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
        await new Promise((settle) => setTimeout(settle));
      }
    }, texts);
    const notSent = messages(hal).getByRole("alert");
    await notSent.first().waitFor();
    expect(await notSent.first().innerText()).toMatch(/^Not sent: Slow down/);

    const retry = messages(hal).getByRole("button", { name: "Retry" });
    await expect
      .poll(
        async () => {
          if ((await retry.count()) > 0) await retry.first().click();
          // One query: every message still on its way or refused.
          return messages(hal).locator("[data-client-id]").count();
        },
        { timeout: 30_000 },
      )
      .toBe(0);
    const cy = await signIn("cy");
    await cy.getByRole("button", { name: /Hal/ }).click();
    await messages(cy).getByText("burst 16", { exact: true }).waitFor();
    const shown = await messages(cy).locator("[data-message-id] [data-message-text]").allInnerTexts();
    expect(shown.filter((text) => text.startsWith("burst")).sort()).toEqual([...texts].sort());
  });

  it("works from the keyboard alone, with a visible focus", async () => {
    const page = await newPage();
    // A first visit, where notifications were never asked for. The headless shell that
    // @sparticuz/chromium ships answers "denied" before anyone asked, which hides the button.
    await page.context().addInitScript(() => {
      Object.defineProperty(Notification, "permission", { configurable: true, get: () => "default" });
    });
    await page.goto(app.server.url);
    await page.getByLabel("Username").focus();
    await page.keyboard.type("ivy");
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Conversations" }).waitFor();

    const focused = () =>
      page.evaluate(
        () => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "",
      );
    const tabTo = async (label: string) => {
      for (let presses = 0; presses < 12 && (await focused()) !== label; presses++) await page.keyboard.press("Tab");
      expect(await focused()).toBe(label);
      expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe("none");
    };
    await tabTo("New group");
    // The places to go, then the people search.
    for (const place of ["People", "Browse open rooms", "Search messages"]) {
      await page.keyboard.press("Tab");
      expect(await focused()).toContain(place);
    }
    await page.keyboard.press("Tab");
    await page.keyboard.type("gus");
    await page.getByRole("button", { name: /Gus/ }).waitFor();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Gus", level: 2 }).waitFor();
    // Opening the conversation takes focus to its heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe("H2");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("placeholder"))).toBe("Message Gus");
    await page.keyboard.type("typed without a mouse");
    await page.keyboard.press("Enter");
    await messages(page).getByText("typed without a mouse").waitFor();
  });

  it("puts the unread count in the title and notifies while the tab is hidden, asking only after a click", async () => {
    const kim = await newPage();
    await kim.context().addInitScript(() => {
      const log: { asked: number; shown: string[] } = { asked: 0, shown: [] };
      (window as unknown as { __notifications: typeof log }).__notifications = log;
      class FakeNotification {
        static permission: NotificationPermission = "default";
        static async requestPermission() {
          log.asked += 1;
          FakeNotification.permission = "granted";
          return FakeNotification.permission;
        }
        onclick: (() => void) | null = null;
        constructor(title: string, options: NotificationOptions) {
          log.shown.push(`${title}: ${options.body}`);
        }
        close() {}
      }
      (window as unknown as { Notification: unknown }).Notification = FakeNotification;
    });
    await signIn("kim", kim);
    const log = () =>
      kim.evaluate(
        () => (window as unknown as { __notifications: { asked: number; shown: string[] } }).__notifications,
      );
    expect((await log()).asked).toBe(0);
    await fromMyMenu(kim, "Turn on notifications");
    await expect.poll(async () => (await log()).asked).toBe(1);
    // Allowed now: the menu says so rather than offering it again.
    await kim.getByRole("navigation").locator('button[aria-haspopup="menu"]').click();
    await kim.getByRole("menuitem", { name: "Notifications: on" }).waitFor();
    expect(await kim.getByRole("menuitem", { name: "Turn on notifications" }).count()).toBe(0);
    await kim.keyboard.press("Escape");

    await kim.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const gus = await signIn("gus");
    await openDm(gus, "Kim");
    await send(gus, "Kim", "are you there?");
    await expect.poll(() => kim.title()).toBe("(1) Condor Chat");
    await expect.poll(async () => (await log()).shown).toEqual(["Gus: are you there?"]);

    const setHidden = (hidden: boolean) =>
      kim.evaluate((hidden) => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setHidden(false);
    await expect.poll(() => kim.title()).toBe("Condor Chat");

    // With the DM open in a hidden tab, nobody is reading it: the title still counts.
    await openDm(kim, "Gus");
    // Kim has read what was there: Gus sees it.
    await messages(gus)
      .getByText(/Seen by Kim/)
      .waitFor();
    await setHidden(true);
    await expect.poll(() => kim.title()).toBe("Condor Chat");
    await send(gus, "Kim", "still there?");
    await expect.poll(() => kim.title()).toBe("(1) Condor Chat");
    await setHidden(false);
    await expect.poll(() => kim.title()).toBe("Condor Chat");
  });

  it("needs at most 60 KB of gzipped JavaScript to sign in and see my conversations", async () => {
    const page = await newPage();
    const scripts: Promise<Buffer>[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "script") scripts.push(response.body());
    });
    await signIn("ana", page);
    const gzipped = (await Promise.all(scripts)).reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
    console.log(`first load: ${scripts.length} script(s), ${(gzipped / 1024).toFixed(1)} KB of JavaScript gzipped`);
    expect(scripts.length).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
  });

  it("changes my picture through the profile screen, and shows the new one", async () => {
    const dee = await signIn("dee");
    // No picture yet: her initials on a colour, not an image.
    expect(await dee.locator("nav img").count()).toBe(0);
    const initials = dee.locator('nav button[aria-haspopup="menu"] span[aria-hidden="true"]', { hasText: /^D$/ });
    const tone = await initials.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(tone).toMatch(/^rgb\(/);
    expect(tone).not.toBe("rgb(0, 0, 0)");
    await fromMyMenu(dee, "Profile");
    const dialog = dee.getByRole("dialog", { name: "Your profile" });
    await dialog
      .locator("input[type=file]")
      .setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(64, [200, 80, 40]) });
    await dialog.getByRole("button", { name: "Upload picture" }).click();
    await expect.poll(() => dee.locator("nav img").count()).toBeGreaterThan(0);
    const src = (await dee.locator("nav img").first().getAttribute("src"))!;
    expect(src).toMatch(/\/media\/avatar_files\//);
    expect(src).not.toMatch(/default_img/);
    await expect
      .poll(() =>
        dee
          .locator("nav img")
          .first()
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);
  });
});
