/**
 * Message search across the caller's rooms, newest first, a page at a time. The query
 * language is core/search/query.ts's; each room searches its own full-text index.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { MATCH_END, MATCH_START } from "../../core/protocol-constants";
import { MAX_QUERY_LENGTH, MAX_TERMS, parseSearch } from "../../core/search/query";
import { positionOf } from "../../core/search/results";
import { createApp } from "../app";
import { errors, json } from "../openapi";
import { DEFAULT_RESULTS, MAX_RESULTS, searchMessages } from "../search";

const codePoint = (text: string) => `U+${text.codePointAt(0)!.toString(16).toUpperCase()}`;

const QUERY_LANGUAGE = `Words, all of which a message must hold (a word matches in any case and without accents; the last word, when the query ends with it, also matches longer words it starts: \`lun\` finds "lunch"), and:
- \`"a phrase"\`: these words next to each other, in this order;
- \`-word\` or \`-"a phrase"\`: messages without it;
- \`from:<username>\`: sent by that person (nobody by that name: no results);
- \`in:<room id>\`: in that room only (403 if you are not in it, 404 if there is no such room);
- \`after:YYYY-MM-DD\`: on or after that day, \`before:YYYY-MM-DD\`: before that day (UTC).

Only those four names are operators: any other \`name:value\`, such as a URL, is searched as words. At most ${MAX_QUERY_LENGTH} characters and ${MAX_TERMS} words and phrases. A 400 says what to change: an empty query, only exclusions or operators, a quote not closed, an operator given twice or with a bad value, a day that does not exist, or after: not before before:.`;

const SearchParams = z.object({
  q: z
    .string()
    .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
    .transform((text, context) => {
      const parsed = parseSearch(text);
      if (parsed.ok) return parsed.query;
      context.addIssue({ code: "custom", message: parsed.why });
      return z.NEVER;
    })
    .openapi({ description: QUERY_LANGUAGE, example: 'lunch "on friday" -pizza from:ana' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RESULTS)
    .default(DEFAULT_RESULTS)
    .openapi({ description: `Results in a page: ${DEFAULT_RESULTS} unless given, at most ${MAX_RESULTS}.` }),
  cursor: z
    .string()
    .transform((text, context) => {
      const position = positionOf(text);
      if (position) return position;
      context.addIssue({ code: "custom", message: "is not one this search gave; search again without it" });
      return z.NEVER;
    })
    .optional()
    .openapi({ description: "The `next` of the page before, to read the one after it; opaque." }),
});

const SearchResultSchema = z
  .object({
    id: z.number().int(),
    room: z.number().int(),
    room_title: z.string(),
    sender: z.number().int().openapi({ description: "The sender's user id" }),
    content: z.string(),
    timestamp: z.string(),
    highlight: z.string().openapi({
      description: `The message's text around its matches (all of it unless long; … where cut), each match between ${codePoint(MATCH_START)} and ${codePoint(MATCH_END)}, private-use characters no message holds. Show it as text, never as HTML.`,
    }),
  })
  .openapi("SearchResult");

const SearchPageSchema = z
  .object({
    results: z.array(SearchResultSchema),
    next: z.string().nullable().openapi({ description: "The cursor of the next page; null on the last one." }),
  })
  .openapi("SearchPage");

export const search = createApp().openapi(
  createRoute({
    method: "get",
    path: "/search",
    operationId: "searchMessages",
    tags: ["Search"],
    summary: "Search the messages of your rooms, newest first",
    description:
      "Only rooms you are in now are searched: not one you left, and never a deleted message or an edited message's old text. Ordered by time, then id, newest first.",
    request: { query: SearchParams },
    responses: { 200: json(SearchPageSchema, "A page of matching messages"), ...errors(400, 401, 403, 404) },
  }),
  async (c) => {
    const { q, limit, cursor } = c.req.valid("query");
    return c.json(await searchMessages(c.env, c.var.user, q, { limit, below: cursor }), 200);
  },
);
