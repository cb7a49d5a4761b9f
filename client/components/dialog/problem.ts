/**
 * What a failed call means to the person filling in a form: one sentence, and what is
 * wrong with each field the API named in its `fields`, said as a sentence too.
 */
import { sentenceFor } from "../../../core/error-sentences";
import { ApiError } from "../../lib/api";

export type Problem = { message: string; fields: Record<string, string> };

export const noProblem: Problem = { message: "", fields: {} };

/** The API's error, or a plain "could not reach" when there was no answer at all. */
export function problemOf(err: unknown): Problem {
  if (err instanceof ApiError) {
    const fields = Object.entries(err.fields ?? {}).map(([field, reason]) => [field, sentenceFor(field, reason)]);
    return { message: err.message, fields: Object.fromEntries(fields) };
  }
  return { message: "Could not reach Condor Chat. Check your connection and try again.", fields: {} };
}
