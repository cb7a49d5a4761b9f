/**
 * drizzle-kit writes D1's migrations from core/db/schema.ts: `npx drizzle-kit generate
 * --name what-changed` after a change to the schema. The files keep the numbering
 * `wrangler d1 migrations apply` reads (0003_…sql next); migrations/meta/ is drizzle-kit's.
 * DRIZZLE_OUT points it elsewhere, which is how npm test checks that nothing is missing.
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./core/db/schema.ts",
  out: process.env.DRIZZLE_OUT ?? "./migrations",
  migrations: { prefix: "index" },
});
