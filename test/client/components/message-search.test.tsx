import { fireEvent, render, screen, within } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { describe, expect, it, vi } from "vitest";
import { highlightParts, MessageSearch } from "../../../client/components/message-search";
import type { SearchResult } from "../../../client/lib/use-message-search";
import { MATCH_END, MATCH_START } from "../../../core/protocol-constants";
import { seriousViolations } from "../support/axe";
import { apiError, fakeApi, type Reply } from "../support/fake-api";
import { aRoom, aUser } from "../support/people";
import { signedIn } from "../support/session";

const me = aUser({ username: "ada", first_name: "Ada" });
const bob = aUser({ username: "bob", first_name: "Bob" });
const cy = aUser({ username: "cy", first_name: "Cy" });
const team = aRoom({ title: "Team", participants: [me, bob, cy] });
const dm = aRoom({ title: "ada - bob", is_group: false, participants: [me, bob] });

const at = "2026-11-27T12:00:00.000Z";
const marked = (text: string) => `${MATCH_START}${text}${MATCH_END}`;
let nextId = 1;
function aResult(room: typeof team, sender: number, highlight: string, timestamp: string): SearchResult {
  return {
    id: nextId++,
    room: room.id,
    room_title: room.title,
    sender,
    content: highlight.replaceAll(MATCH_START, "").replaceAll(MATCH_END, ""),
    timestamp,
    highlight,
  };
}

/** The search page as the chat shows it, its query kept by the chat. */
async function searchPage(answers: (query: URLSearchParams) => Reply | Promise<Reply>) {
  const api = fakeApi();
  await signedIn(api);
  api.on("GET", "/search", ({ query }) => answers(query));
  const onOpen = vi.fn();
  function Page() {
    const [query, setQuery] = useState("");
    return (
      <MessageSearch me={me} rooms={[team, dm]} query={query} onQuery={setQuery} onOpen={onOpen} onBack={() => {}} />
    );
  }
  render(<Page />);
  const type = (text: string) => fireEvent.input(screen.getByLabelText("Search messages"), { target: { value: text } });
  return { api, onOpen, type };
}

const lunchResults = () => [
  aResult(dm, bob.id, `${marked("lunch")} today?`, "2026-11-27T12:00:00.000Z"),
  aResult(team, cy.id, `team ${marked("lunch")} at noon`, "2026-11-27T11:00:00.000Z"),
  aResult(dm, me.id, `no ${marked("lunch")} for me`, "2026-11-27T10:00:00.000Z"),
];

describe("MessageSearch", () => {
  it("searches once typing pauses and shows the results by room, newest room first, matches marked", async () => {
    const results = lunchResults();
    const { api } = await searchPage(() => ({ body: { results, next: null } }));
    const search = screen.getByLabelText("Search messages");
    fireEvent.input(search, { target: { value: "lu" } });
    fireEvent.input(search, { target: { value: "lunch" } });
    const dmGroup = await screen.findByRole("region", { name: "Bob" });
    const teamGroup = screen.getByRole("region", { name: "Team" });
    expect(dmGroup.compareDocumentPosition(teamGroup) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const dmResults = within(dmGroup).getAllByRole("button");
    expect(dmResults.map((button) => button.textContent)).toEqual([
      expect.stringMatching(/^Bob.*lunch today\?$/),
      expect.stringMatching(/^You.*no lunch for me$/),
    ]);
    expect([...dmGroup.querySelectorAll("mark")].map((mark) => mark.textContent)).toEqual(["lunch", "lunch"]);
    expect(within(teamGroup).getByRole("button").textContent).toMatch(/^Cy.*team lunch at noon$/);
    expect(api.sent("GET", "/search").map((request) => request.query.get("q"))).toEqual(["lunch"]);
  });

  it("shows a highlight's markup as text, never as elements", async () => {
    const markup = `<img src=x onerror="window.__pwned=1"> ${marked("<b>lunch</b>")}`;
    await searchPage(() => ({
      body: { results: [aResult(team, bob.id, markup, "2026-11-27T12:00:00.000Z")], next: null },
    }));
    fireEvent.input(screen.getByLabelText("Search messages"), { target: { value: "lunch" } });
    const group = await screen.findByRole("region", { name: "Team" });
    expect(group.querySelector("img, b")).toBeNull();
    expect(group.querySelector("mark")?.textContent).toBe("<b>lunch</b>");
    expect(within(group).getByRole("button").textContent).toContain('<img src=x onerror="window.__pwned=1">');
  });

  it("opens the message a result is", async () => {
    const results = lunchResults();
    const { onOpen, type } = await searchPage(() => ({ body: { results, next: null } }));
    type("lunch");
    const group = await screen.findByRole("region", { name: "Team" });
    fireEvent.click(within(group).getByRole("button"));
    expect(onOpen).toHaveBeenCalledWith(results[1]);
  });

  it("reads more results with the cursor of the page before", async () => {
    const [first, second, third] = lunchResults();
    const { api, type } = await searchPage((query) =>
      query.get("cursor") === "page-2"
        ? { body: { results: [third], next: null } }
        : { body: { results: [first, second], next: "page-2" } },
    );
    type("lunch");
    fireEvent.click(await screen.findByRole("button", { name: "More results" }));
    expect(await screen.findByText("for me", { exact: false })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "More results" })).toBeNull();
    expect(api.sent("GET", "/search").map((request) => [request.query.get("q"), request.query.get("cursor")])).toEqual([
      ["lunch", null],
      ["lunch", "page-2"],
    ]);
  });

  it("says what is wrong with the words, and when nothing matches", async () => {
    const why = 'A quote is not closed: end the phrase with another ".';
    const { type } = await searchPage((query) =>
      query.get("q")?.includes('"') ? apiError(400, why, "invalid", { q: why }) : { body: { results: [], next: null } },
    );
    type('"lunch');
    expect(await screen.findByText(why)).toBeTruthy();
    type("zebra");
    expect(await screen.findByText("No messages match.")).toBeTruthy();
  });

  it("never shows the answer to older words over the newer one's", async () => {
    let releaseOld: () => void = () => {};
    const { api, type } = await searchPage((query) =>
      query.get("q") === "old"
        ? new Promise<Reply>((resolve) => {
            releaseOld = () => resolve({ body: { results: [aResult(team, bob.id, "old words", at)], next: null } });
          })
        : { body: { results: [aResult(team, bob.id, "new words", at)], next: null } },
    );
    type("old");
    await vi.waitFor(() => expect(api.sent("GET", "/search")).toHaveLength(1));
    const oldAnswer = vi.mocked(fetch).mock.results.at(-1)!.value as Promise<Response>;
    type("new");
    expect(await screen.findByText("new words")).toBeTruthy();
    releaseOld();
    await oldAnswer;
    // The old answer's body is read and dropped in the turns after it arrives.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.queryByText("old words")).toBeNull();
    expect(screen.getByText("new words")).toBeTruthy();
  });

  it("explains every operator of the query language", async () => {
    await searchPage(() => ({ body: { results: [], next: null } }));
    const help = screen.getByText("How to search").closest("details")!;
    for (const example of ['"on friday"', "-pizza", "from:ana", "in:12", "after:2025-01-01", "before:2025-02-01"])
      expect(within(help).getByText(example)).toBeTruthy();
  });

  it("has no serious accessibility violations with results shown", async () => {
    const results = lunchResults();
    const { type } = await searchPage(() => ({ body: { results, next: "more" } }));
    type("lunch");
    await screen.findByRole("region", { name: "Team" });
    expect(await seriousViolations()).toEqual([]);
  });
});

describe("highlightParts", () => {
  it("splits a highlight into its text and its matches", () => {
    expect(highlightParts(`a ${marked("b")} c ${marked("d")}`)).toEqual([
      { text: "a ", match: false },
      { text: "b", match: true },
      { text: " c ", match: false },
      { text: "d", match: true },
    ]);
    expect(highlightParts("")).toEqual([]);
  });
});
