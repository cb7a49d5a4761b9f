/** The one way to reach D1: Drizzle over the `DB` binding. */
import { drizzle } from "drizzle-orm/d1";

export type Database = ReturnType<typeof database>;

export function database(env: Env) {
  return drizzle(env.DB);
}

/** Now, as the ISO-8601 text every timestamp column holds. */
export const now = () => new Date().toISOString();
