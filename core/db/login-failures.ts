/** Failed sign-ins counted per key (a username or an address) within a window. */
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from ".";
import { type LoginFailureRow, loginFailures } from "./schema";

/** The failure counts recorded for these keys. */
export function failuresOf(db: Database, keys: string[]): Promise<LoginFailureRow[]> {
  return db.select().from(loginFailures).where(inArray(loginFailures.key, keys));
}

/**
 * Counts one failure against each key, in one batch; a key whose window (`windowSeconds`
 * long) ended before `nowSeconds` starts a new one at one.
 */
export async function countFailures(
  db: Database,
  keys: [string, ...string[]],
  nowSeconds: number,
  windowSeconds: number,
): Promise<void> {
  const expired = nowSeconds - windowSeconds;
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
  const [first, ...rest] = keys;
  await db.batch([countFailure(first), ...rest.map(countFailure)]);
}

/** Forgets a key's failures. */
export async function clearFailures(db: Database, key: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.key, key));
}
