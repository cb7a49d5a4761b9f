/**
 * The first run in a real browser: on an empty database the page offers to create the
 * first administrator, who lands in General, sends a first message and makes an invite link;
 * a second person opens it on a phone, makes their account, lands in General with that
 * message, and joins an open room from "Browse open rooms".
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../../scripts/browser.ts";
import { type DevServer, startDevServer } from "../../scripts/dev-server.ts";

let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  server = await startDevServer([]);
  browser = await launchBrowser(inject("browser"));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the first run", () => {
  it("creates the administrator, who says hello in General and invites someone who joins on a phone", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Create the first administrator" }).waitFor();
    await page.getByLabel("Username").fill("founder");
    await page.getByLabel("First name").fill("Fran");
    await page.getByLabel("Email").fill("fran@example.com");
    await page.getByLabel("Password").fill("first-pass-1");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page.getByRole("heading", { name: "Conversations" }).waitFor();
    await page.getByText("General").first().click();
    await page.getByLabel("Message General").fill("Hello, team");
    await page.getByLabel("Message General").press("Enter");
    await page.getByRole("log").getByText("Hello, team").waitFor();

    await page.getByRole("button", { name: "Invite people" }).click();
    await page.getByRole("button", { name: "Make an invite link" }).click();
    const link = await page.getByLabel("Invite link", { exact: true }).inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/join/[A-Za-z0-9_-]{22}$`));
    await page.getByRole("img", { name: "QR code of the invite link" }).waitFor();
    await context.close();

    const founder = await fetch(`${server.url}/api/v1/access_token/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "founder", password: "first-pass-1" }),
    }).then((answer) => answer.json() as Promise<{ access: string }>);
    const coffee = await fetch(`${server.url}/api/v1/rooms/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${founder.access}` },
      body: JSON.stringify({ title: "Coffee", open: true }),
    });
    expect(coffee.status).toBe(201);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const invited = await phone.newPage();
    await invited.goto(link);
    await invited.getByRole("heading", { name: "Join Condor Chat" }).waitFor();
    await invited.getByLabel("Username").fill("newcomer");
    await invited.getByLabel("First name").fill("Nia");
    await invited.getByLabel("Email").fill("nia@example.com");
    await invited.getByLabel("Password").fill("second-pass-1");
    await invited.getByRole("button", { name: "Create my account" }).click();
    await invited.getByRole("heading", { name: "Conversations" }).waitFor();
    expect(new URL(invited.url()).pathname).toBe("/");
    await expect.poll(() => invited.getByRole("button", { name: /General/ }).textContent()).toContain("Hello, team");

    await invited.getByRole("button", { name: "Browse open rooms" }).click();
    const open = invited.getByRole("dialog", { name: "Open rooms" });
    await open.getByRole("listitem").filter({ hasText: "Coffee" }).getByRole("button", { name: "Join" }).click();
    await invited.getByRole("heading", { name: "Coffee", level: 2 }).waitFor();
    await phone.close();

    const again = await (await browser.newContext()).newPage();
    await again.goto(server.url);
    await again.getByRole("button", { name: "Sign in" }).waitFor();
  });
});
