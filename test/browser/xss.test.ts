/**
 * Names, room titles and messages made of XSS payloads, shown in real Chromium: they stay
 * plain text, nothing in them runs, and the Content Security Policy blocks inline script
 * even if some markup got into the page.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../../scripts/browser.ts";
import { type DevServer, startDevServer } from "../../scripts/dev-server.ts";

const PASSWORD = "xss-pass-1";
/** Each sets window.__xss if it ever runs. */
const PAYLOADS = [
  `<img src=x onerror="window.__xss='img'">`,
  `<script>window.__xss='script'</script>`,
  `<svg onload="window.__xss='svg'"></svg>`,
  `"><iframe srcdoc="<script>parent.__xss='iframe'</script>"></iframe>`,
  `<a href="javascript:window.__xss='link'">click</a>`,
  `{{constructor.constructor('window.__xss=1')()}}`,
  `<details open ontoggle="window.__xss='details'">`,
];
/** Markdown that would run if a link, an image or a code block let markup through; each shows as this text. */
const MARKDOWN_PAYLOADS = [
  { typed: "[click me](javascript:window.__xss='md-link')", shown: "[click me](javascript:window.__xss='md-link')" },
  { typed: `![x](x" onerror="window.__xss='md-img')`, shown: `![x](x" onerror="window.__xss='md-img')` },
  {
    typed: "```html\n<img src=x onerror=\"window.__xss='md-code'\"><script>window.__xss='md-code'</script>\n```",
    shown: `<img src=x onerror="window.__xss='md-code'"><script>window.__xss='md-code'</script>`,
  },
  { typed: "**<svg onload=\"window.__xss='md-bold'\">**", shown: `<svg onload="window.__xss='md-bold'">` },
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A page whose title, description and site name are payloads, for a link preview. */
const PREVIEW_TITLE = `<img src=x onerror="window.__xss='preview'">`;
const attribute = (text: string) => text.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
const PAYLOAD_PAGE = `<html><head><meta property="og:title" content="${attribute(PREVIEW_TITLE)}">
  <meta property="og:description" content="${attribute(PAYLOADS[1])}"><meta property="og:site_name" content="${attribute(PAYLOADS[2])}"></head></html>`;

let server: DevServer;
let browser: Browser;
let pageServer: Server;

beforeAll(async () => {
  pageServer = createServer((_request, response) =>
    response.writeHead(200, { "content-type": "text/html" }).end(PAYLOAD_PAGE),
  );
  await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
  server = await startDevServer(
    [
      { username: "ana", password: PASSWORD, firstName: PAYLOADS[0] },
      { username: "bo", password: PASSWORD, firstName: PAYLOADS[2] },
    ],
    // Test-only: previews may fetch the payload page on loopback.
    { vars: { PREVIEW_ALLOW_LOOPBACK: "yes" } },
  );
  browser = await launchBrowser(inject("browser"));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  pageServer?.closeAllConnections();
  pageServer?.close();
});

async function api(path: string, token: string, json: unknown) {
  const answer = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(json),
  });
  expect(answer.status, path).toBeLessThan(300);
  return (await answer.json()) as any;
}

/** A page that fails the test on any dialog, with every CSP violation recorded. */
async function watchedPage(): Promise<{ page: Page; violations: string[]; dialogs: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const violations: string[] = [];
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  return { page, violations, dialogs };
}

describe("XSS payloads in the page", () => {
  it("show as plain text in room titles and messages, and nothing in them runs", async () => {
    const signedIn = await fetch(`${server.url}/api/v1/access_token/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ana", password: PASSWORD }),
    });
    const token = ((await signedIn.json()) as { access: string }).access;
    const bo = await (
      await fetch(`${server.url}/api/v1/profiles/?limit=100`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    const boId = (bo as { results: { id: number; username: string }[] }).results.find(
      (user) => user.username === "bo",
    )!.id;
    const title = PAYLOADS[1];
    const room = await api("/api/v1/rooms/", token, { title, participants: [boId] });
    const pageLink = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/payload`;
    for (const payload of [...PAYLOADS, ...MARKDOWN_PAYLOADS.map((payload) => payload.typed), `see ${pageLink}`])
      await api("/api/v1/send_message_to_room/", token, { group_id: room.id, message: payload });

    const { page, dialogs } = await watchedPage();
    await page.goto(server.url);
    await page.getByLabel("Username").fill("ana");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByRole("button", { name: new RegExp(escapeRegExp(title)) })
      .first()
      .click();
    for (const payload of PAYLOADS) await page.getByRole("log").getByText(payload, { exact: true }).first().waitFor();
    for (const { shown } of MARKDOWN_PAYLOADS)
      await page.getByRole("log").getByText(shown, { exact: true }).first().waitFor();
    await page.getByRole("log").locator("pre code span").first().waitFor();
    await page.getByRole("log").getByRole("link", { name: PREVIEW_TITLE, exact: true }).waitFor();

    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    const injected = await page.evaluate(
      () =>
        document.querySelectorAll(
          "img[src='x'], iframe, svg[onload], details[ontoggle], a[href^='javascript:'], [onerror]",
        ).length,
    );
    expect(injected).toBe(0);
  });

  it("has inline script blocked by the Content Security Policy", async () => {
    const { page, violations } = await watchedPage();
    await page.goto(server.url);
    const ran = await page.evaluate(async () => {
      const blocked = new Promise<string>((resolve) =>
        document.addEventListener("securitypolicyviolation", (event) => resolve(event.violatedDirective)),
      );
      const script = document.createElement("script");
      script.textContent = "window.__inline = 'ran'";
      const body = document.body as unknown as { append(node: unknown): void };
      body.append(script);
      const handler = document.createElement("img");
      handler.setAttribute("onerror", "window.__handler = 'ran'");
      handler.src = "data:,not-an-image";
      body.append(handler);
      const directive = await blocked;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const own = window as unknown as { __inline?: string; __handler?: string };
      return { inline: own.__inline, handler: own.__handler, directive };
    });
    expect(ran.inline).toBeUndefined();
    expect(ran.handler).toBeUndefined();
    expect(ran.directive).toMatch(/^script-src/);
    expect(violations.length).toBeGreaterThan(0);
  });
});
