/**
 * /api/docs in real Chromium: the bundled renderer runs under the app's CSP with nothing
 * fetched from elsewhere, and someone who pastes an access token calls the API from the
 * page, as the original's browsable API allowed.
 */
import { describe, expect, it } from "vitest";
import { accessFor, app, startChatApp } from "./support";

startChatApp();

describe("the API docs page", () => {
  it("renders every tag from this origin alone, and calls the API with a pasted token", async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
    app.keep(context);
    const page = await context.newPage();
    const elsewhere: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(app.server.url)) elsewhere.push(request.url());
    });
    await page.goto(`${app.server.url}/api/docs`);
    for (const tag of ["Tokens", "Profiles", "Avatars", "Rooms", "Messages"]) {
      await expect.poll(() => page.getByText(tag, { exact: true }).first().isVisible()).toBe(true);
    }

    // An operation that needs a signed-in caller, opened from its own link.
    await page.goto(`${app.server.url}/api/docs#tag/profiles/GET/api/v1/profiles/me/`);
    await page.reload();
    await page
      .getByPlaceholder("Token")
      .first()
      .fill(await accessFor("root"));
    const operation = page.locator("section").filter({ has: page.getByRole("heading", { name: "Your own profile" }) });
    await operation
      .getByRole("button", { name: /Test Request/ })
      .first()
      .click();
    const answer = page.waitForResponse((response) => response.url().startsWith(`${app.server.url}/api/v1/profiles`));
    await page.getByRole("button", { name: /^Send/ }).first().click();
    const got = await answer;
    expect(got.status(), `${got.request().method()} ${got.url()} ${await got.text()}`).toBe(200);
    await page.getByText("200 OK").first().waitFor();
    expect(elsewhere).toEqual([]);
  });
});
