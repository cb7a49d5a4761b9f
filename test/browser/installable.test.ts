/**
 * The installable app in real Chromium: a valid manifest whose icons load at their stated
 * sizes, the service worker registered at the root scope, and the app shell opening offline.
 */
import { describe, expect, it } from "vitest";
import { app, messages, openDm, send, signIn, startChatApp } from "./support";

startChatApp();

describe("the installable app", () => {
  it("has a manifest with start_url, standalone display and icons of the sizes it states", async () => {
    const page = await app.browser.newPage();
    await page.goto(app.server.url);
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    const manifest = await (await page.request.get(new URL(href!, app.server.url).href)).json();
    expect(manifest).toMatchObject({ name: "Condor Chat", start_url: "/", scope: "/", display: "standalone" });
    const purposes = manifest.icons.map((icon: { purpose: string }) => icon.purpose);
    expect(purposes).toContain("maskable");
    for (const icon of manifest.icons.filter((i: { type: string }) => i.type === "image/png")) {
      const size = await page.evaluate(async (src: string) => {
        const image = new Image();
        image.src = src;
        await image.decode();
        return `${image.naturalWidth}x${image.naturalHeight}`;
      }, icon.src);
      expect(size, icon.src).toBe(icon.sizes);
    }
    await page.close();
  });

  it("registers its service worker for the whole app, which opens the app offline", async () => {
    const context = await app.browser.newContext();
    app.keep(context);
    const page = await context.newPage();
    await page.goto(app.server.url);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${app.server.url}/`);
    // Controlled from the next load on; then the network goes.
    await page.reload();
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.title()).toBe("Condor Chat");
    await context.setOffline(false);
  });

  it("keeps a message sent offline as waiting, and sends it once when back online", async () => {
    const cy = await signIn("cy");
    const dee = await signIn("dee");
    await openDm(cy, "Dee");
    await send(cy, "Dee", "before going offline");
    await messages(cy).locator("[data-message-id]").getByText("before going offline").waitFor();
    await cy.context().setOffline(true);
    await cy.evaluate(() => {
      for (const socket of (window as unknown as { __sockets: WebSocket[] }).__sockets) socket.close();
    });
    await cy.getByText("You are offline").waitFor();
    await send(cy, "Dee", "typed offline");
    await messages(cy).getByText("Waiting: offline").waitFor();
    await cy.context().setOffline(false);
    await messages(cy).locator("[data-message-id]").getByText("typed offline").waitFor();
    await dee.getByRole("button", { name: /Cy/ }).click();
    await messages(dee).locator("[data-message-id]").getByText("typed offline").waitFor();
    expect(await messages(dee).getByText("typed offline").count()).toBe(1);
    expect(
      await cy.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("condor.outbox."))),
    ).toEqual([]);
  });
});
