/**
 * The app factory: every sub-app is made here so that all of them share one validation
 * hook and therefore one error shape.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { UserRow } from "../core/db/schema";
import { ApiError } from "../core/errors";

export type AppEnv = {
  Bindings: Env;
  Variables: { user: UserRow };
};

/** Zod's issues as `{field: reason}`; an issue about the whole body is under "body". */
export function fieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = issue.path.map(String).join(".") || "body";
    fields[field] ??= issue.message;
  }
  return fields;
}

export function createApp() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const fields = fieldErrors(result.error.issues);
        const summary = Object.entries(fields)
          .map(([field, reason]) => `${field}: ${reason}`)
          .join("; ");
        throw new ApiError(400, `Invalid input (${summary}).`, "invalid", fields);
      }
    },
  });
}
