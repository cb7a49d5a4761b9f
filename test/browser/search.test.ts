/**
 * Message search in the web client, end to end: a message sent in a DM is found by a word
 * from the search page, its match marked, and a click opens it at its own address.
 */
import { describe, expect, it } from "vitest";
import { messages, openDm, send, signIn, startChatApp } from "./support";

startChatApp();

describe("message search in the web client", () => {
  it("finds a message I sent by a word, marks the match, and opens the message where it was said", async () => {
    const page = await signIn("ana");
    await openDm(page, "Bo");
    await send(page, "Bo", "the quarterly flamingo report is ready");
    await messages(page).getByText("the quarterly flamingo report is ready").waitFor();

    await page.getByRole("button", { name: "Search messages" }).click();
    await page.getByLabel("Search messages").fill("flamin");
    const group = page.getByRole("region", { name: "Bo" });
    const result = group.getByRole("button", { name: /quarterly flamingo report/ });
    await result.waitFor();
    expect(await group.locator("mark").allTextContents()).toEqual(["flamingo"]);

    await result.click();
    await page.getByRole("heading", { name: "Bo", level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/rooms\/\d+\/messages\/\d+$/);
    await messages(page).getByText("the quarterly flamingo report is ready").waitFor();
  });
});
