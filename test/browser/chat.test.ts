/**
 * The web client end to end: real Chromium windows, one per person, against the app as
 * `npm start` serves it (wrangler dev with the built client). People sign in, find each
 * other, chat live in DMs and groups, see typing and unread badges, change their picture,
 * come back from a dropped connection with what they missed, and never see markup run.
 * Every screen is scanned with axe-core and photographed (desktop and phone, light and
 * dark) into screenshots/, which git ignores.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync, gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../../scripts/browser.ts";
import { type DevServer, type SeedUser, startDevServer } from "../../scripts/dev-server.ts";

const PASSWORD = "browser-pass-1";
/** The budget for the JavaScript of a first visit, gzipped. */
const FIRST_LOAD_JS_BUDGET = 60 * 1024;
const MARKUP_NAME = `<img src=x onerror="window.__pwned='name'">`;
const MARKUP_MESSAGE = `<script>window.__pwned='script'</script><img src=x onerror="window.__pwned='img'"> <b>bold?</b>`;

let server: DevServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startDevServer(
    ["ana", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "kim"]
      .map(
        (username): SeedUser => ({
          username,
          password: PASSWORD,
          firstName: username[0].toUpperCase() + username.slice(1),
        }),
      )
      .concat([
        { username: "mallory", password: PASSWORD, firstName: MARKUP_NAME },
        { username: "root", password: PASSWORD, firstName: "Rita", superuser: true },
      ]),
  );
  browser = await launchBrowser(inject("browser"));
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A new window, with the page's WebSockets kept where a test can drop them. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  // Injected by the browser, not the page, so the CSP does not apply.
  await context.addInitScript(() => {
    const Native = WebSocket;
    const open: WebSocket[] = [];
    (window as unknown as { __sockets: WebSocket[] }).__sockets = open;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        open.push(this);
      }
    };
  });
  const page = await context.newPage();
  page.on("dialog", (dialog) => void (dialog.type() === "confirm" ? dialog.accept() : dialog.dismiss()));
  return page;
}

async function signIn(username: string, page?: Page): Promise<Page> {
  page ??= await newPage();
  await page.goto(server.url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Conversations" }).waitFor();
  return page;
}

/** Opens the DM with `name` through the people search. */
async function openDm(page: Page, name: string) {
  await page.getByLabel("Search people by name or email").fill(name.toLowerCase());
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await page.getByRole("heading", { name, level: 2 }).waitFor();
}

async function send(page: Page, to: string, text: string) {
  await page.getByLabel(`Message ${to}`).fill(text);
  await page.getByLabel(`Message ${to}`).press("Enter");
}

const messages = (page: Page) => page.getByRole("log");

/** A PNG of `size` x `size` pixels of one colour, made here so no file is needed. */
function png(size: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "ascii");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", pixels),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** One REST call as the README's curl examples make it. */
async function rest(method: string, route: string, token: string | null, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${method} ${route}: ${response.status}`).toBe(true);
  return response.json();
}

const accessFor = async (username: string): Promise<string> =>
  (await rest("POST", "/access_token/", null, { username, password: PASSWORD })).access;

describe("the web client", () => {
  it("says clearly when a password is wrong, and a reload keeps me signed in without any token a script can read", async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.getByLabel("Username").fill("ana");
    await page.getByLabel("Password").fill("not her password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("do not match an active account");

    await signIn("ana", page);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(
      await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
    ).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);
    await page.reload();
    await page.getByRole("heading", { name: "Conversations" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  });

  it("keeps both tabs of one browser signed in when they renew their session at the same moment", async () => {
    const first = await signIn("ana");
    const second = await first.context().newPage();
    await second.goto(server.url);
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
    await messages(bo).getByText("hi Bo, lunch?").waitFor();
    await expect.poll(() => bo.getByText("1 unread", { exact: true }).count()).toBe(0);
    await ana.getByText("Seen by Bo").waitFor();

    await bo.getByLabel("Message Ana").pressSequentially("sure");
    await ana.getByText("Bo is typing…").waitFor();
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
    await messages(bo).getByText("This message was deleted.").waitFor();
  });

  it("creates a group with a title and members, and everyone in it chats live under their names", async () => {
    const [cy, dee, eli] = [await signIn("cy"), await signIn("dee"), await signIn("eli")];
    await cy.getByRole("button", { name: "New group" }).click();
    const dialog = cy.getByRole("dialog", { name: "New group" });
    await dialog.getByLabel("Title").fill("Lunch plans");
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
    const order = await messages(eli).locator("[data-message-id] p").allInnerTexts();
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
    const shown = await messages(cy).locator("[data-message-id] p").allInnerTexts();
    expect(shown.filter((text) => text.startsWith("burst")).sort()).toEqual([...texts].sort());
  });

  it("works from the keyboard alone, with a visible focus", async () => {
    const page = await newPage();
    // A first visit, where notifications were never asked for. The headless shell that
    // @sparticuz/chromium ships answers "denied" before anyone asked, which hides the button.
    await page.context().addInitScript(() => {
      Object.defineProperty(Notification, "permission", { configurable: true, get: () => "default" });
    });
    await page.goto(server.url);
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
    await tabTo("Turn on notifications");
    await page.keyboard.press("Tab");
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
    await kim.getByRole("button", { name: "Turn on notifications" }).click();
    await expect.poll(async () => (await log()).asked).toBe(1);
    await kim.getByRole("button", { name: "Turn on notifications" }).waitFor({ state: "detached" });

    await kim.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const gus = await signIn("gus");
    await openDm(gus, "Kim");
    await send(gus, "Kim", "are you there?");
    await expect.poll(() => kim.title()).toBe("(1) Condor Chat");
    await expect.poll(async () => (await log()).shown).toEqual(["Gus: are you there?"]);

    await kim.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
      document.dispatchEvent(new Event("visibilitychange"));
    });
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
    const before = await dee.locator("nav img").first().getAttribute("src");
    await dee.getByRole("button", { name: "Profile" }).click();
    const dialog = dee.getByRole("dialog", { name: "Your profile" });
    await dialog
      .locator("input[type=file]")
      .setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(64, [200, 80, 40]) });
    await dialog.getByRole("button", { name: "Upload picture" }).click();
    await expect.poll(() => dee.locator("nav img").first().getAttribute("src")).not.toBe(before);
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

const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "screenshots");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const VARIANTS = [
  { name: "desktop-light", viewport: { width: 1280, height: 800 }, colorScheme: "light", phone: false },
  { name: "desktop-dark", viewport: { width: 1280, height: 800 }, colorScheme: "dark", phone: false },
  { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light", phone: true },
  { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark", phone: true },
] as const;

describe("every screen", () => {
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
    await say(hal, "One thing: the badge colour in dark mode.");
    await say(ivy, "Agreed, I will fix it today.");
    await say(rita, "Thanks both!");
  });

  it.each(VARIANTS)("has no serious or critical accessibility problem on any screen ($name)", async (variant) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Only the scanning windows bypass the CSP, so axe-core can be injected.
    const context = await browser.newContext({
      viewport: variant.viewport,
      colorScheme: variant.colorScheme,
      bypassCSP: true,
      isMobile: variant.phone,
      hasTouch: variant.phone,
    });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    const screen = async (name: string) => {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${variant.name}.png`) });
      await page.addScriptTag({ path: AXE });
      const violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] =
        await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
          return (await axe.run()).violations as never;
        });
      for (const v of violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
        problems.push(
          `${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
        );
      }
    };

    await page.goto(server.url);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await screen("sign-in");
    await signIn("root", page);
    await page.getByRole("button", { name: /Design review/ }).waitFor();
    await screen("conversations");
    await page.getByRole("button", { name: /Design review/ }).click();
    await messages(page).getByText("Thanks both").waitFor();
    await screen("conversation");
    await page.getByRole("button", { name: "Details" }).click();
    await page.getByRole("dialog").waitFor();
    await screen("group-details");
    await page.keyboard.press("Escape");
    if (variant.phone) await page.getByRole("button", { name: "Back to conversations" }).click();
    await page.getByRole("button", { name: "New group" }).click();
    await page.getByRole("dialog", { name: "New group" }).waitFor();
    await screen("new-group");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Profile" }).click();
    await page.getByRole("dialog", { name: "Your profile" }).waitFor();
    await screen("profile");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Admin" }).click();
    await page.getByRole("heading", { name: "Administration" }).waitFor();
    await page.getByText("Hal (hal)").waitFor();
    await screen("admin");
    expect(problems).toEqual([]);
  });
});
