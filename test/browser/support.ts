/**
 * The app as the browser tests meet it: `npm start`'s server (wrangler dev with the built
 * client) seeded with the same people, one real Chromium, and the steps people take in it.
 * A test file calls startChatApp() once; its hooks start both and close every window after
 * each test. The people: ana … kim, mallory (whose name is markup) and root (a superuser).
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, inject } from "vitest";
import { launchBrowser } from "../../scripts/browser.ts";
import { type DevServer, type SeedUser, startDevServer } from "../../scripts/dev-server.ts";

export const PASSWORD = "browser-pass-1";
/** The budget for the JavaScript of a first visit, gzipped. */
export const FIRST_LOAD_JS_BUDGET = 60 * 1024;
export const MARKUP_NAME = `<img src=x onerror="window.__pwned='name'">`;
export const MARKUP_MESSAGE = `<script>window.__pwned='script'</script><img src=x onerror="window.__pwned='img'"> <b>bold?</b>`;

let server: DevServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** The running server and browser, once startChatApp's beforeAll has run. */
export const app = {
  get server() {
    return server;
  },
  get browser() {
    return browser;
  },
  /** A window to close after the test, for tests that make their own. */
  keep(context: BrowserContext) {
    contexts.push(context);
  },
};

/**
 * Registers the hooks that start the app and the browser for this file, and close windows
 * after each test; `vars` are settings of this file's server only.
 */
export function startChatApp({ vars }: { vars?: Record<string, string> } = {}) {
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
      { vars },
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
}

/** A new window, with the page's WebSockets kept where a test can drop them. */
export async function newPage(): Promise<Page> {
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

export async function signIn(username: string, page?: Page): Promise<Page> {
  page ??= await newPage();
  await page.goto(server.url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Conversations" }).waitFor();
  return page;
}

/** Opens the DM with `name` through the people search. */
export async function openDm(page: Page, name: string) {
  await page.getByLabel("Search people by name or email").fill(name.toLowerCase());
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await page.getByRole("heading", { name, level: 2 }).waitFor();
}

export async function send(page: Page, to: string, text: string) {
  await page.getByLabel(`Message ${to}`).fill(text);
  await page.getByLabel(`Message ${to}`).press("Enter");
}

export const messages = (page: Page) => page.getByRole("log");

/** Opens my menu at my name in the sidebar and chooses `item` in it. */
export async function fromMyMenu(page: Page, item: string | RegExp) {
  await page.getByRole("navigation").locator('button[aria-haspopup="menu"]').click();
  await page.getByRole("menuitem", { name: item }).click();
}

/** A PNG of `size` x `size` pixels of one colour, made here so no file is needed. */
export function png(size: number, rgb: [number, number, number]): Buffer {
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
export async function rest(method: string, route: string, token: string | null, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${method} ${route}: ${response.status}`).toBe(true);
  return response.json();
}

export const accessFor = async (username: string): Promise<string> =>
  (await rest("POST", "/access_token/", null, { username, password: PASSWORD })).access;

/** A size and colour scheme a screen is scanned and photographed in. */
export type ScreenVariant = {
  name: string;
  viewport: { width: number; height: number };
  colorScheme: "light" | "dark";
  phone: boolean;
};

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Where the scans' photographs go; git ignores it. */
const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "screenshots");

/** A window of that size and scheme; only scanning windows bypass the CSP, so axe-core can be injected. */
export async function scanningWindow(variant: ScreenVariant): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: variant.viewport,
    colorScheme: variant.colorScheme,
    bypassCSP: true,
    isMobile: variant.phone,
    hasTouch: variant.phone,
  });
  contexts.push(context);
  return context;
}

/** The serious and critical axe-core violations on the page now, as "rule (impact) help at targets" lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] = await page.evaluate(
    async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
      return (await axe.run()).violations as never;
    },
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Photographs the page into screenshots/ as `<name>-<variant>.png` and answers its serious problems, each named. */
export async function photographAndScan(page: Page, name: string, variant: ScreenVariant): Promise<string[]> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${variant.name}.png`) });
  return (await seriousViolations(page)).map((problem) => `${name}: ${problem}`);
}
