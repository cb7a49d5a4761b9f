/**
 * The words of the one error shape: its codes and how zod's issues are told. Kept free of
 * anything but erasable TypeScript so that Node's type stripping loads it (core/protocol.ts
 * imports it, and the scripts import that); core/errors.ts exports it for everyone else.
 */

/**
 * Every error code the API answers with, over REST and the socket alike: the canonical
 * vocabulary, which core/protocol reuses for its error frames.
 */
export const ERROR_CODES = [
  "invalid",
  "not_authenticated",
  "token_not_valid",
  "authentication_failed",
  "permission_denied",
  "not_found",
  "conflict",
  "gone",
  "too_large",
  "unsupported_media_type",
  "throttled",
  "unavailable",
  "server_error",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What zod says is wrong, as the error shape's `fields` and as one line of text. */
export type IssueReport = { fields: Record<string, string>; summary: string };

/**
 * The one way zod's issues become words: each field (dotted for nested ones, "body" for
 * the whole input, or what `whole` names) with its first reason, and a summary naming them all.
 */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  whole = "body",
): IssueReport {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = issue.path.map(String).join(".") || whole;
    fields[field] ??= issue.message;
  }
  const summary = Object.entries(fields)
    .map(([field, reason]) => `${field}: ${reason}`)
    .join("; ");
  return { fields, summary };
}
