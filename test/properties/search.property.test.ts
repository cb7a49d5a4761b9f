/**
 * The search's query language against generated input: any string is a query or a 400
 * with a reason, never an exception, whether parsed alone or sent to GET /api/v1/search/.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSearch } from "../../core/search/query";
import { cursorOf, positionOf } from "../../core/search/results";
import { call, expectError, makeRoom, makeUser } from "../support/api";
import { storedId, storeMessages } from "../support/room-store";
import { nastyString, percentEncoded, RUNS } from "./arbitraries";

/** Text shaped like queries: words, quotes, minus signs, operators with good and bad values. */
const queryLike: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom("lunch", "Lunch", "café", "noon", "日本", "a", "-", '"', "*", "NOT", "OR", "NEAR", "^", "(", ")"),
      fc
        .constantFrom("from:", "in:", "before:", "after:", "FROM:", "-from:", "http:", "x:")
        .chain((name) =>
          fc
            .oneof(
              fc.constantFrom("ana", "1", "0", "2025-01-01", "2025-02-30", "9999-12-31", "", "-1", "1e3", '"'),
              fc.string({ maxLength: 12 }),
            )
            .map((value) => `${name}${value}`),
        ),
      fc.string({ maxLength: 8 }),
      nastyString,
    ),
    { maxLength: 8 },
  )
  .chain((pieces) => fc.constantFrom(" ", "", '"', "  -").map((glue) => pieces.join(glue)));

const anyText = fc.oneof(queryLike, nastyString, fc.string({ unit: "binary", maxLength: 600 }));

describe("the query parser, on any text", () => {
  it("answers a query with at least one term, or a reason in a sentence", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseSearch(text);
        if (parsed.ok) {
          expect(parsed.query.terms.length).toBeGreaterThan(0);
          for (const term of [...parsed.query.terms, ...parsed.query.excluded])
            for (const word of term.words) expect(word).toMatch(/^[\p{L}\p{N}\p{M}\p{Co}]+$/u);
        } else {
          expect(parsed.why).toMatch(/\.$/);
        }
      }),
      { numRuns: RUNS * 20 },
    );
  });
});

describe("the cursor, on any text", () => {
  it("reads back every position it writes, and nothing else", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (at, id) => {
        const position = { timestamp: at.toISOString(), id };
        if (!/^\d{4}-/.test(position.timestamp)) return;
        expect(positionOf(cursorOf(position))).toEqual(position);
      }),
      { numRuns: RUNS * 5 },
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const position = positionOf(text);
        if (position) expect(cursorOf(position)).toBe(text);
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe("GET /api/v1/search/, on any query", () => {
  let access: string;
  beforeAll(async () => {
    const ana = await makeUser({ username: `ana_${crypto.randomUUID().slice(0, 6)}` });
    access = ana.access;
    const room = await makeRoom(ana, [], "property search");
    await storeMessages(room.id, [
      { id: storedId(), senderId: ana.id, content: "lunch at noon", createdAt: "2025-01-01T12:00:00.000Z" },
      { id: storedId(), senderId: ana.id, content: "NOT near café 日本", createdAt: "2025-01-02T12:00:00.000Z" },
    ]);
  });

  it("answers 200 with results or 400 in the one error shape, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyText,
        fc.option(fc.oneof(fc.constantFrom("1", "50", "51", "0", "x"), nastyString)),
        async (text, limit) => {
          const query = `q=${percentEncoded(text)}${limit === null ? "" : `&limit=${percentEncoded(limit)}`}`;
          const answer = await call("GET", `/api/v1/search/?${query}`, { token: access });
          if (answer.status === 200) {
            expect(parseSearch(text.toWellFormed()).ok).toBe(true);
            expect(answer.body).toEqual({
              results: expect.any(Array),
              next: expect.toSatisfy((n) => n === null || typeof n === "string"),
            });
          } else {
            expectError(answer, 400, "invalid");
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("answers any cursor with a page or a 400", async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (cursor) => {
        const answer = await call("GET", `/api/v1/search/?q=lunch&cursor=${percentEncoded(cursor)}`, { token: access });
        if (answer.status !== 200) expectError(answer, 400, "invalid");
      }),
      { numRuns: RUNS },
    );
  });
});
