import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // A test-only secret: real ones come from `wrangler secret put` or .dev.vars.
            JWT_SECRET: "test-secret-that-is-long-enough-for-hs256-0123456789",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/browser/**", "test/scripts/**", "test/client/**", "test/faults/**"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      globalSetup: ["./test/support/upstash-gateway.global.ts"],
    },
  };
});
