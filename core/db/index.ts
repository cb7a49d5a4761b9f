/** The one way to reach D1: Drizzle over the `DB` binding. */
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";

export type Database = DrizzleD1Database & { $client: D1Database };

/** One Drizzle a binding, so statements prepared on it (preparedOnce) outlive a request. */
const databases = new WeakMap<D1Database, Database>();

export function database(env: Env): Database {
  let db = databases.get(env.DB);
  if (!db) {
    db = drizzle(env.DB);
    databases.set(env.DB, db);
  }
  return db;
}

/**
 * A statement built once a database, with `sql.placeholder`s for its values: Drizzle
 * otherwise builds a query's SQL from its builder on every call, which was a tenth of a
 * REST send's CPU for its two hottest queries.
 */
export function preparedOnce<T>(build: (db: Database) => T): (db: Database) => T {
  const made = new WeakMap<Database, T>();
  return (db) => {
    let statement = made.get(db);
    if (statement === undefined) {
      statement = build(db);
      made.set(db, statement);
    }
    return statement;
  };
}

/** Now, as the ISO-8601 text every timestamp column holds. */
export const now = () => new Date().toISOString();
