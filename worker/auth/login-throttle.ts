/**
 * Slows down password guessing: after too many failed sign-ins in a window, for one
 * username or from one address, further attempts get 429 until the window ends.
 */
import type { Database } from "../../core/db";
import { clearFailures, countFailures, failuresOf } from "../../core/db/login-failures";
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
  const rows = await failuresOf(db, [keys.username, keys.address]);
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
  const keys = keysOf(who);
  await countFailures(db, [keys.username, keys.address], Math.floor(Date.now() / 1000), LOGIN_WINDOW_SECONDS);
}

/** A successful sign-in forgives the username's failures (not the address's). */
export async function clearLoginFailures(db: Database, who: Keys): Promise<void> {
  await clearFailures(db, keysOf(who).username);
}
