/**
 * First-load page weight, in Chromium: the JavaScript and CSS a first visit downloads
 * (gzipped, as a CDN would send them) and how many requests it takes until the chat is
 * usable, i.e. signed in and the network gone quiet. It follows whatever the page is: it
 * needs only the sign-in form's Username and Password fields and its "Sign in" button.
 */
import { gzipSync } from "node:zlib";
import type { Page, Response } from "playwright-core";
import { describeBrowser, findBrowser, launchBrowser } from "../browser.ts";
import { type Chat, PASSWORD } from "./app.ts";

/** The network counts as quiet after this long with nothing in flight. */
const QUIET_MS = 500;
const GIVE_UP_MS = 30_000;

type Weight = {
  requests: number;
  sockets: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
  jsFiles: number;
  cssFiles: number;
};
export type PageWeight = { signInPage: Weight; untilUsable: Weight };

/** Resolves once no request has been in flight for QUIET_MS. */
function networkQuiet(page: Page, inFlight: () => number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let quietSince = Date.now();
    const timer = setInterval(() => {
      if (inFlight() > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= QUIET_MS) {
        clearInterval(timer);
        resolve();
      }
      if (Date.now() - started > GIVE_UP_MS) {
        clearInterval(timer);
        reject(new Error(`the page at ${page.url()} never went quiet`));
      }
    }, 25);
  });
}

/** Signs bench0 in on a fresh browser profile and weighs what the page loaded. */
export async function measurePageWeight(chat: Chat): Promise<PageWeight> {
  const found = findBrowser();
  console.log(describeBrowser(found));
  const browser = await launchBrowser(found);
  try {
    const page = await browser.newPage();
    let inFlight = 0;
    let requests = 0;
    let sockets = 0;
    const bodies: Promise<{ kind: "js" | "css"; bytes: number } | undefined>[] = [];
    page.on("request", () => {
      inFlight++;
      requests++;
    });
    page.on("requestfinished", () => inFlight--);
    page.on("requestfailed", () => inFlight--);
    page.on("websocket", () => sockets++);
    page.on("response", (response: Response) => bodies.push(weigh(response)));
    const weightSoFar = async (): Promise<Weight> => {
      const files = (await Promise.all(bodies)).filter((file) => file !== undefined);
      const sum = (kind: "js" | "css") => files.filter((f) => f.kind === kind).reduce((total, f) => total + f.bytes, 0);
      return {
        requests,
        sockets,
        jsGzipBytes: sum("js"),
        cssGzipBytes: sum("css"),
        jsFiles: files.filter((f) => f.kind === "js").length,
        cssFiles: files.filter((f) => f.kind === "css").length,
      };
    };

    await page.goto(chat.url);
    await networkQuiet(page, () => inFlight);
    const signInPage = await weightSoFar();
    await field(page, "Username").fill("bench0");
    await field(page, "Password").fill(PASSWORD);
    const signedIn = page.waitForResponse((response) =>
      new URL(response.url()).pathname.startsWith("/api/v1/access_token"),
    );
    await page.getByRole("button", { name: "Sign in" }).click();
    const answer = await signedIn;
    if (answer.status() !== 200) throw new Error(`signing in from the page failed: ${answer.status()}`);
    await networkQuiet(page, () => inFlight);
    const untilUsable = await weightSoFar();
    console.log(
      `  page: ${(untilUsable.jsGzipBytes / 1024).toFixed(1)} KB gzipped JS, ${untilUsable.requests} requests until usable`,
    );
    return { signInPage, untilUsable };
  } finally {
    await browser.close();
  }
}

/** A labelled input, found by its label or, failing that, its placeholder. */
function field(page: Page, name: string) {
  return page
    .getByLabel(name, { exact: true })
    .or(page.getByPlaceholder(name, { exact: true }))
    .first();
}

/** The gzipped size of a JavaScript or CSS response; other responses weigh nothing here. */
async function weigh(response: Response): Promise<{ kind: "js" | "css"; bytes: number } | undefined> {
  const type = response.headers()["content-type"] ?? "";
  const kind = /javascript/.test(type) ? "js" : /text\/css/.test(type) ? "css" : undefined;
  if (!kind) return undefined;
  try {
    return { kind, bytes: gzipSync(await response.body(), { level: 9 }).byteLength };
  } catch {
    return undefined;
  }
}
