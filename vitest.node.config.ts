/**
 * Tests that run in Node rather than inside workerd: the command-line tools in scripts/,
 * the Upstash gateway, the browser tests that drive Chromium against `wrangler dev`, and the
 * fault tests that stop the server or Redis under it.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/scripts/**/*.test.ts", "test/browser/**/*.test.ts", "test/faults/**/*.test.ts"],
    // Each of these files starts its own wrangler dev; at once, they race for ports.
    fileParallelism: false,
    globalSetup: ["./test/support/browser.global.ts", "./test/support/redis.global.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
