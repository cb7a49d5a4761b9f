/**
 * Small builders for route contracts, so each route's zod schemas read as its documentation.
 */
import { z } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { ErrorSchema } from "../core/shapes";

export const json = <T extends ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/** A required JSON request body. */
export const jsonBody = <T extends ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const errorText: Record<number, string> = {
  400: "Invalid input: `fields` names each field and what is wrong with it",
  401: "Missing, invalid or expired credentials",
  403: "Signed in, but not allowed",
  404: "No such thing, or not visible to you",
  409: "Conflicts with the current state",
  410: "Was here once, but is no longer usable (expired, revoked or used up)",
  413: "Body too large",
  415: "Body is not JSON",
  429: "Too many attempts; see Retry-After",
};

/** The documented error answers of a route, all in the one error shape. */
export function errors(...statuses: (keyof typeof errorText)[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(ErrorSchema, errorText[status])]));
}

/** A positive integer id in a path; anything else is a 400 before the handler runs. */
export const idParam = z
  .string()
  .regex(/^\d{1,15}$/, "must be a positive whole number")
  .transform(Number)
  .refine((n) => n > 0, "must be a positive whole number");

/** An integer id in a JSON body; numeric strings are accepted as DRF accepted them. */
export const idField = z.union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), idParam]);

/** DRF's limit/offset query parameters. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});

/** DRF's limit/offset page: absolute links to the next and previous pages, or null. */
export function paginated<T>(url: string, page: { limit: number; offset: number }, total: number, results: T[]) {
  const link = (offset: number) => {
    const target = new URL(url);
    target.searchParams.set("limit", String(page.limit));
    if (offset > 0) target.searchParams.set("offset", String(offset));
    else target.searchParams.delete("offset");
    return target.toString();
  };
  return {
    count: total,
    next: page.offset + page.limit < total ? link(page.offset + page.limit) : null,
    previous: page.offset > 0 ? link(Math.max(0, page.offset - page.limit)) : null,
    results,
  };
}

export const pageSchema = <T extends ZodType>(item: T) =>
  z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
