/**
 * The app factories: every sub-app is made here so that all of them share one validation
 * hook and therefore one error shape. A sub-app says which callers its routes see: the
 * signed-in user (the API's default, which index.ts enforces), or maybe nobody.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { sentencesFor } from "../core/error-sentences";
import { ApiError, describeIssues } from "../core/errors";
import type { AuthedEnv, PublicEnv } from "./auth/require-user";

export type { AuthedEnv, PublicEnv } from "./auth/require-user";

function makeApp<E extends PublicEnv | AuthedEnv>() {
  return new OpenAPIHono<E>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const { fields } = describeIssues(result.error.issues);
        throw new ApiError(400, sentencesFor(fields), "invalid", fields);
      }
    },
  });
}

/** A sub-app of signed-in routes: the API lets nobody else reach them. */
export const createApp = () => makeApp<AuthedEnv>();

/** A sub-app of routes on the API's public list: the caller may be nobody. */
export const createPublicApp = () => makeApp<PublicEnv>();
