/**
 * The bad input the property tests throw at the API and the sockets: wrong types, missing
 * and extra fields, huge and empty strings, odd unicode, numbers out of range.
 */
import fc from "fast-check";

/** Cases per property: enough to find the odd input, few enough for `npm test`. */
export const RUNS = 60;

/** Strings a user or an attacker might send: empty, blank, odd unicode, markup, long. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\t\n",
    "\u0000",
    "a\u0000b",
    "\uD800",
    "\uDFFF\uD800",
    "\u202Eevil",
    "\uFEFF",
    "🦅".repeat(300),
    "e\u0301\u0301\u0301",
    "<script>alert(1)</script>",
    "' OR 1=1; --",
    "%00",
    "../../etc/passwd",
    "x".repeat(4001),
    "x".repeat(20_000),
  ),
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary", maxLength: 300 }),
);

/** Numbers no id, count or position should take, and a few that fit. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    -0,
    1.5,
    2 ** 31,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    1e308,
    -1e308,
    Number.MIN_VALUE,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, leaning on the nasty ones. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 1, arbitrary: fc.array(fc.oneof(nastyNumber, nastyString), { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/**
 * An object shaped like a valid body: each known field good, nasty or missing, plus
 * sometimes extra fields; or any JSON value at all.
 */
export function bodyLike(good: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(
    Object.entries(good).map(([key, value]) => [key, fc.oneof(fc.constant(value), nastyValue)]),
  );
  const shaped = fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 12 }), nastyValue, { maxKeys: 3 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
  return fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) });
}

/** Percent-encodes any text as a client would, lone surrogates included (as U+FFFD). */
export const percentEncoded = (text: string) =>
  [...new TextEncoder().encode(text)].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

/** A path segment where an id belongs: any text, encoded as a client would. */
export const idSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("0", "-1", "1.5", "1e3", "0x10", "99999999999999999999", "%00", "%2F", "..", "%2e%2e", " 1", "1 "),
  nastyNumber.map(String),
  nastyString.map(percentEncoded),
);

/** A query-string value: any text, encoded. */
export const queryValue: fc.Arbitrary<string> = fc.oneof(idSegment, nastyString.map(percentEncoded));
