/**
 * Names, room titles, messages, Markdown, mentions, file names and link previews made of XSS
 * payloads, shown in real Chromium: they stay plain text, nothing in them runs, and the
 * Content Security Policy blocks inline script even if some markup got into the page.
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

/**
 * File names that would run if shown as markup: no slashes (a name is only its last path
 * part) and no double quotes (a multipart body writes them as %22).
 */
const FILE_NAMES = {
  image: "<img src=x onerror=window.__xss=1>.png",
  page: "'><svg onload=window.__xss=2>.html",
};
/** A real 2×1 PNG, so the file with the payload name is shown as a picture, its name its alt text. */
const PNG = new Uint8Array(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGP4z8DAwPAfAAcAAf9+CLHQAAAAAElFTkSuQmCC",
    "base64",
  ),
);
/** Mentions of ana by bo beside payloads: the marked @name stays text, and so does what is around it. */
const MENTION_PAYLOADS = [`@ana ${PAYLOADS[0]}`, `**@ana** <details open ontoggle="window.__xss='mention'">`];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A page whose title, description and site name are payloads, for a link preview. */
const PREVIEW_TITLE = `<img src=x onerror="window.__xss='preview'">`;
const attribute = (text: string) => text.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
const PAYLOAD_PAGE = `<html><head><meta property="og:title" content="${attribute(PREVIEW_TITLE)}">
  <meta property="og:description" content="${attribute(PAYLOADS[1])}"><meta property="og:site_name" content="${attribute(PAYLOADS[2])}">
  <meta property="og:image" content="${attribute("javascript:window.__xss='og-image'")}"></head></html>`;

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
    // Test-only: previews may fetch the payload page on loopback; every payload is sent at once.
    { vars: { PREVIEW_ALLOW_LOOPBACK: "yes", SEND_BURST: "50" } },
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

/** Uploads a file to the room and answers its id, to send. */
async function upload(roomId: number, token: string, name: string, bytes: Uint8Array<ArrayBuffer>, type: string) {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type }), name);
  const answer = await fetch(`${server.url}/api/v1/rooms/${roomId}/attachments/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  expect(answer.status, name).toBe(201);
  return ((await answer.json()) as { id: string }).id;
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
    const signIn = async (username: string) => {
      const signedIn = await fetch(`${server.url}/api/v1/access_token/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      return ((await signedIn.json()) as { access: string }).access;
    };
    const token = await signIn("ana");
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
    const boToken = await signIn("bo");
    for (const payload of MENTION_PAYLOADS)
      await api("/api/v1/send_message_to_room/", boToken, { group_id: room.id, message: payload });
    const files = [
      await upload(room.id, token, FILE_NAMES.image, PNG, "image/png"),
      await upload(room.id, token, FILE_NAMES.page, new TextEncoder().encode(PAYLOADS[1]), "text/html"),
    ];
    await api("/api/v1/send_message_to_room/", token, { group_id: room.id, message: "files", attachments: files });

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
    // A picture's thumbnail is a button named by the file (its alt text is the name too).
    await page
      .getByRole("log")
      .getByRole("button", { name: `Open ${FILE_NAMES.image}`, exact: true })
      .waitFor();
    await page.getByRole("log").getByText(FILE_NAMES.page, { exact: true }).waitFor();
    await page.getByRole("log").locator("strong > mark", { hasText: "@ana" }).waitFor();
    await page.getByRole("log").getByText(`${PAYLOADS[0]}`, { exact: false }).first().waitFor();
    // The composer's mention picker lists members by their names, which are payloads too.
    await page.getByRole("textbox", { name: /^Message / }).fill("@b");
    await page.getByRole("option").filter({ hasText: PAYLOADS[2] }).waitFor();

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
