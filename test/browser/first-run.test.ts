/**
 * The first run in a real browser: on an empty database the page offers to create the
 * first administrator, who lands in General, sends a first message and can make an invite.
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
  it("creates the administrator on an empty database, who lands in General and says hello", async () => {
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

    const again = await (await browser.newContext()).newPage();
    await again.goto(server.url);
    await again.getByRole("button", { name: "Sign in" }).waitFor();
  });
});
