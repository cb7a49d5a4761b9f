/**
 * Who may call the admin routes: whoever sends the `ADMIN_TOKEN` secret as a bearer token.
 * A shared secret rather than a superuser's JWT, because the callers are `npm run manage`
 * runs, which have no user (the import creates the users) and may run before anyone signs
 * in; the deployment's owner sets it with `wrangler secret put ADMIN_TOKEN`.
 *
 * Without a token of at least MIN_ADMIN_TOKEN_LENGTH characters the admin routes do not
 * exist: they answer 404, as an unknown route does.
 */
import { createMiddleware } from "hono/factory";
import { ApiError, notFound } from "../../core/errors";
import type { PublicEnv } from "./require-user";

/** A shorter secret could be guessed; JWT_SECRET has the same floor. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

const encoder = new TextEncoder();

/** Compares two secrets in time that depends on neither: digests first, so lengths leak nothing either. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all(
    [given, expected].map((text) => crypto.subtle.digest("SHA-256", encoder.encode(text))),
  );
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Lets through only requests that carry the admin token. */
export function adminOnly() {
  return createMiddleware<PublicEnv>(async (c, next) => {
    const expected = c.env.ADMIN_TOKEN ?? "";
    if (expected.length < MIN_ADMIN_TOKEN_LENGTH) throw notFound("No such API route.");
    const given = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (given === undefined) throw new ApiError(401, "The admin token was not provided.", "not_authenticated");
    if (!(await sameSecret(given, expected)))
      throw new ApiError(401, "The admin token is not this deployment's.", "authentication_failed");
    await next();
  });
}
