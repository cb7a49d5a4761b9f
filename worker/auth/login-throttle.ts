/**
 * Slows down password guessing: after too many failed sign-ins in a window, for one
 * username or from one address, further attempts get 429 until the window ends.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../core/db";
import { loginFailures } from "../../core/db/schema";
import { ApiError } from "../../core/errors";

export const LOGIN_WINDOW_SECONDS = 15 * 60;
export const MAX_FAILURES_PER_USERNAME = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

type Keys = { username: string; address: string };

const keysOf = ({ username, address }: Keys) => ({
  username: `user:${username.toLowerCase()}`,
  address: `addr:${address}`,
});

/** Throws 429 when either the username or the address has used up its failures. */
export async function assertLoginAllowed(db: Database, who: Keys): Promise<void> {
  const keys = keysOf(who);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const rows = await db
    .select()
    .from(loginFailures)
    .where(inArray(loginFailures.key, [keys.username, keys.address]));
  for (const row of rows) {
    const limit = row.key === keys.username ? MAX_FAILURES_PER_USERNAME : MAX_FAILURES_PER_ADDRESS;
    const retryAfter = row.windowStarted + LOGIN_WINDOW_SECONDS - nowSeconds;
    if (retryAfter > 0 && row.failures >= limit) {
      throw new ApiError(429, `Too many failed sign-ins. Try again in ${retryAfter} seconds.`, "throttled", undefined, {
        "Retry-After": String(retryAfter),
      });
    }
  }
}

/** Counts a failure against both keys, starting a new window where the old one ended. */
export async function recordLoginFailure(db: Database, who: Keys): Promise<void> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const expired = nowSeconds - LOGIN_WINDOW_SECONDS;
  const keys = keysOf(who);
  const countFailure = (key: string) =>
    db
      .insert(loginFailures)
      .values({ key, failures: 1, windowStarted: nowSeconds })
      .onConflictDoUpdate({
        target: loginFailures.key,
        set: {
          failures: sql`CASE WHEN ${loginFailures.windowStarted} <= ${expired} THEN 1 ELSE ${loginFailures.failures} + 1 END`,
          windowStarted: sql`CASE WHEN ${loginFailures.windowStarted} <= ${expired} THEN ${nowSeconds} ELSE ${loginFailures.windowStarted} END`,
        },
      });
  await db.batch([countFailure(keys.username), countFailure(keys.address)]);
}

/** A successful sign-in forgives the username's failures (not the address's). */
export async function clearLoginFailures(db: Database, who: Keys): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.key, keysOf(who).username));
}
