import { describe, expect, it } from "vitest";
import { MAX_QUERY_LENGTH, MAX_TERMS, parseSearch, type SearchQuery } from "../../../core/search/query";

const parsed = (text: string): SearchQuery => {
  const result = parseSearch(text);
  if (!result.ok) throw new Error(`refused: ${result.why}`);
  return result.query;
};
const refusal = (text: string): string => {
  const result = parseSearch(text);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.query)}`);
  return result.why;
};
const word = (words: string[], prefix = false) => ({ words, prefix });

describe("the search query language", () => {
  it("takes words, all of which must match, the last one as a prefix", () => {
    expect(parsed("Lunch  at noon")).toEqual({
      terms: [word(["lunch"]), word(["at"]), word(["noon"], true)],
      excluded: [],
    });
  });

  it("takes quoted phrases, never as a prefix, even last", () => {
    expect(parsed('"see you" friday "on time"').terms).toEqual([
      word(["see", "you"]),
      word(["friday"]),
      word(["on", "time"]),
    ]);
  });

  it("takes excluded words and phrases", () => {
    expect(parsed('lunch -pizza -"pizza party"')).toEqual({
      terms: [word(["lunch"])],
      excluded: [word(["pizza"]), word(["pizza", "party"])],
    });
  });

  it("keeps no prefix when the query ends with an operator or an exclusion", () => {
    expect(parsed("lunch from:ana").terms).toEqual([word(["lunch"])]);
    expect(parsed("lunch -pizza").terms).toEqual([word(["lunch"])]);
  });

  it("reads from:, in:, after: and before:, the names in any case", () => {
    expect(parsed("report FROM:Ana in:12 after:2025-01-01 before:2025-02-01")).toEqual({
      terms: [word(["report"])],
      excluded: [],
      from: "Ana",
      room: 12,
      after: "2025-01-01T00:00:00.000Z",
      before: "2025-02-01T00:00:00.000Z",
    });
  });

  it("searches any other name:value as words, so that a URL or a time can be found", () => {
    expect(parsed("https://example.com/a?b=1").terms).toEqual([word(["https", "example", "com", "a", "b", "1"], true)]);
    expect(parsed("to:ana 12:30").terms).toEqual([word(["to", "ana"]), word(["12", "30"], true)]);
    expect(parsed(":lunch").terms).toEqual([word(["lunch"], true)]);
  });

  it("splits words as the index does: punctuation separates, letters and digits of any script stay", () => {
    expect(parsed("it's café-au-lait 日本語").terms).toEqual([
      word(["it", "s"]),
      word(["café", "au", "lait"]),
      word(["日本語"], true),
    ]);
    expect(parsed("lunch !!! ☃").terms).toEqual([word(["lunch"])]);
  });

  it("reads a minus inside or alone as punctuation, and a quote inside a word as a phrase's start", () => {
    expect(parsed("well-known - x")).toEqual({ terms: [word(["well", "known"]), word(["x"], true)], excluded: [] });
    expect(parsed('say"hi there"')).toEqual({ terms: [word(["say"]), word(["hi", "there"])], excluded: [] });
  });

  it.each([
    ["", "Type something"],
    ["   \t\n", "Type something"],
    ["!!! ☃", "at least one word"],
    ["-pizza", "only narrow"],
    ["from:ana", "only narrow"],
    ['"unclosed phrase', "not closed"],
    ['lunch "', "not closed"],
    ["lunch from:", "from: needs a value"],
    ["lunch from:ana from:bo", "only once"],
    ["lunch in:abc", "in: takes a room's id"],
    ["lunch in:0", "in: takes a room's id"],
    ["lunch in:-3", "in: takes a room's id"],
    ["lunch in:99999999999999999999", "in: takes a room's id"],
    ["lunch before:2025-02-30", "real day"],
    ["lunch after:2025-1-1", "real day"],
    ["lunch before:yesterday", "real day"],
    ["lunch after:2025-03-01 before:2025-03-01", "No day is both"],
    ["lunch after:2025-03-02 before:2025-03-01", "No day is both"],
    ["lunch -from:ana", "cannot be excluded"],
  ])("refuses %j, saying what to change", (text, why) => {
    expect(refusal(text)).toContain(why);
  });

  it("says which day after: can be at latest, when the range is empty", () => {
    expect(refusal("x after:2025-03-01 before:2025-03-01")).toContain("2025-02-28 or earlier");
    expect(parsed("x after:2025-02-28 before:2025-03-01")).toMatchObject({ after: "2025-02-28T00:00:00.000Z" });
  });

  it("refuses a query too long or with too many words", () => {
    expect(refusal("a".repeat(MAX_QUERY_LENGTH + 1))).toContain(`${MAX_QUERY_LENGTH} characters`);
    expect(parseSearch("a".repeat(MAX_QUERY_LENGTH)).ok).toBe(true);
    expect(refusal(Array.from({ length: MAX_TERMS + 1 }, (_, i) => `w${i}`).join(" "))).toContain(`${MAX_TERMS} words`);
  });
});
