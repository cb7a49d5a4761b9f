/**
 * Two people in two real Chromium windows chat through the page, live: what one types
 * shows up in the other's window without a reload.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../../scripts/dev-server.ts";

const PASSWORD = "browser-pass-1";
let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  server = await startDevServer([
    { username: "ana", password: PASSWORD, firstName: "Ana" },
    { username: "bo", password: PASSWORD, firstName: "Bo" },
  ]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await page.getByPlaceholder("Username").fill(username);
  await page.getByPlaceholder("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`Signed in as`).waitFor();
  return page;
}

describe("the page", () => {
  it("lets two people chat live, and shows markup in messages as text", async () => {
    const ana = await signIn("ana");
    const token = await ana.evaluate(() => JSON.parse(sessionStorage.getItem("condor.tokens")!).access as string);
    const bo: { id: number }[] = await (await fetch(`${server.url}/api/v1/profiles/get_available_users/?full_name=bo`, {
      headers: { authorization: `Bearer ${token}` },
    })).json();
    const created = await fetch(`${server.url}/api/v1/rooms/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Lunch plans", participants: [bo[0].id] }),
    });
    expect(created.status).toBe(201);

    await ana.reload();
    await ana.getByRole("button", { name: "Lunch plans" }).click();
    const boPage = await signIn("bo");
    await boPage.getByRole("button", { name: "Lunch plans" }).click();
    await boPage.getByText("here: ana, bo").waitFor();

    await ana.getByPlaceholder("Message").fill("noon at the <b>usual</b> place?");
    await ana.getByRole("button", { name: "Send" }).click();
    await boPage.getByText("noon at the <b>usual</b> place?").waitFor();
    expect(await boPage.locator(".messages b", { hasText: "usual" }).count()).toBe(0);

    await boPage.getByPlaceholder("Message").fill("see you there");
    await boPage.getByRole("button", { name: "Send" }).click();
    await ana.getByText("see you there").waitFor();
    await ana.getByText("Seen by bo").waitFor();
  });
});
