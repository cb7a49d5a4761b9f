/**
 * The message search's query language, parsed into a structured query that the rooms turn
 * into their full-text match: never SQL, and never text spliced into it.
 *
 *   words            every word must be in the message; the last one, when the query ends
 *                    with it, may be the start of a word (`hel` finds "hello")
 *   "a phrase"       these words, next to each other, in this order
 *   -word -"phrase"  the message must not have it
 *   from:<username>  sent by that person
 *   in:<room id>     in that room only
 *   after:YYYY-MM-DD   on or after that day (UTC)
 *   before:YYYY-MM-DD  before that day (UTC)
 *
 * Only those four names are operators: any other `name:value` (a URL, a time like 12:30) is
 * a word like any other, whose letters and digits are searched as a phrase.
 */

/** Longest query, in characters. */
export const MAX_QUERY_LENGTH = 500;
/** Most words and phrases (excluded ones included) in one query. */
export const MAX_TERMS = 32;

/**
 * A word or phrase as the index splits text: runs of letters, digits and marks (what the
 * room's tokenizer keeps; everything else separates words), lower-cased as it matches them.
 */
export type SearchTerm = { words: string[]; prefix: boolean };

export type SearchQuery = {
  /** Every one must match; at least one. */
  terms: SearchTerm[];
  /** None may match. */
  excluded: SearchTerm[];
  /** A username, as typed. */
  from?: string;
  room?: number;
  /** ISO timestamps: on or after `after`, before `before`. */
  after?: string;
  before?: string;
};

export type Parsed = { ok: true; query: SearchQuery } | { ok: false; why: string };

const OPERATORS = ["from", "in", "before", "after"] as const;
type Operator = (typeof OPERATORS)[number];
const isOperator = (name: string): name is Operator => (OPERATORS as readonly string[]).includes(name);

/** The tokenizer's word characters (SQLite unicode61: letters, numbers, private use; marks join them). */
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** A piece of the query as typed: a bare word or a quoted phrase, maybe with a leading minus. */
type Piece = { text: string; quoted: boolean; excluded: boolean };

function piecesOf(text: string): Piece[] | string {
  const pieces: Piece[] = [];
  let at = 0;
  while (at < text.length) {
    if (/\s/u.test(text[at])) {
      at += 1;
      continue;
    }
    const excluded = text[at] === "-" && at + 1 < text.length && !/\s/u.test(text[at + 1]);
    if (excluded) at += 1;
    if (text[at] === '"') {
      const end = text.indexOf('"', at + 1);
      if (end === -1) return 'A quote is not closed: end the phrase with another ".';
      pieces.push({ text: text.slice(at + 1, end), quoted: true, excluded });
      at = end + 1;
      continue;
    }
    // A bare word runs to the next space or quote: `say"hi there"` is a word, then a phrase.
    let end = at;
    while (end < text.length && !/\s/u.test(text[end]) && text[end] !== '"') end += 1;
    pieces.push({ text: text.slice(at, end), quoted: false, excluded });
    at = end;
  }
  return pieces;
}

const wordsOf = (text: string) => (text.toLowerCase().match(WORD) ?? []) as string[];

/** Midnight UTC of a real calendar day written YYYY-MM-DD, as an ISO timestamp. */
function dayStart(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const day = new Date(`${text}T00:00:00.000Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) return undefined;
  return day.toISOString();
}

const example: Record<Operator, string> = {
  from: "from:ana",
  in: "in:12",
  before: "before:2025-01-31",
  after: "after:2025-01-01",
};

/** Reads one operator's value into the query; a sentence saying what is wrong otherwise. */
function applyOperator(query: SearchQuery, name: Operator, value: string): string | undefined {
  if (value === "") return `${name}: needs a value right after the colon, as in ${example[name]}.`;
  const key = name === "in" ? "room" : name;
  if (query[key] !== undefined) return `${name}: can be given only once.`;
  switch (name) {
    case "from":
      query.from = value;
      return;
    case "in": {
      const room = /^[1-9]\d{0,14}$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(room)) return `in: takes a room's id, a whole number, as in ${example.in}.`;
      query.room = room;
      return;
    }
    case "before":
    case "after": {
      const at = dayStart(value);
      if (at === undefined) return `${name}: takes a real day written YYYY-MM-DD, as in ${example[name]}.`;
      query[name] = at;
      return;
    }
  }
}

/** Parses a search query; nonsense gets a sentence saying what to change. */
export function parseSearch(text: string): Parsed {
  if (text.length > MAX_QUERY_LENGTH)
    return { ok: false, why: `A search can be at most ${MAX_QUERY_LENGTH} characters.` };
  const pieces = piecesOf(text);
  if (typeof pieces === "string") return { ok: false, why: pieces };
  if (pieces.length === 0) return { ok: false, why: "Type something to search for." };
  const query: SearchQuery = { terms: [], excluded: [] };
  for (const [index, piece] of pieces.entries()) {
    const colon = piece.quoted ? -1 : piece.text.indexOf(":");
    const name = colon > 0 ? piece.text.slice(0, colon).toLowerCase() : "";
    if (isOperator(name)) {
      if (piece.excluded) return { ok: false, why: `-${name}: cannot be excluded; only words and phrases can.` };
      const wrong = applyOperator(query, name, piece.text.slice(colon + 1));
      if (wrong) return { ok: false, why: wrong };
      continue;
    }
    const words = wordsOf(piece.text);
    // Punctuation alone matches nothing in the index: it is left out rather than refused.
    if (words.length === 0) continue;
    const isLast = index === pieces.length - 1;
    const term = { words, prefix: isLast && !piece.quoted && !piece.excluded };
    (piece.excluded ? query.excluded : query.terms).push(term);
  }
  if (query.terms.length + query.excluded.length > MAX_TERMS)
    return { ok: false, why: `A search can have at most ${MAX_TERMS} words and phrases.` };
  if (query.terms.length === 0) {
    const why =
      query.excluded.length > 0 || query.from || query.room || query.after || query.before
        ? "Search for at least one word or phrase: -, from:, in:, before: and after: only narrow a search."
        : "Search for at least one word or phrase (letters or digits).";
    return { ok: false, why };
  }
  if (query.after !== undefined && query.before !== undefined && query.after >= query.before) {
    const lastDay = new Date(Date.parse(query.before) - 86_400_000).toISOString().slice(0, 10);
    return {
      ok: false,
      why: `No day is both after:${query.after.slice(0, 10)} and before:${query.before.slice(0, 10)}: after: must be ${lastDay} or earlier.`,
    };
  }
  return { ok: true, query };
}
