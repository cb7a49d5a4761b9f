import { applyD1Migrations, env } from "cloudflare:test";

// Setup files run before each test file, outside its isolated storage; applying only
// what is not applied yet makes this safe to repeat.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
