/**
 * Every test suite, as three vitest projects run by one `vitest run`:
 * - workerd: the worker, objects and core inside workerd (@cloudflare/vitest-plugin), with
 *   D1 migrated by test/support/apply-migrations.ts and the Upstash gateway over a local Redis;
 * - node: the command-line tools, the gateway, the browser tests that drive Chromium against
 *   `wrangler dev`, and the fault tests that stop the server or Redis under it;
 * - client: the web client's components in happy-dom, with `fetch` and XMLHttpRequest
 *   answered by the fakes in test/client/support/.
 * One project alone: `npx vitest run --project client`.
 */
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, defineProject } from "vitest/config";
import { generateVapidKeys } from "./core/web-push";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const vapid = await generateVapidKeys();
  return {
    test: {
      projects: [
        defineProject({
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  // A test-only secret: real ones come from `wrangler secret put` or .dev.vars.
                  JWT_SECRET: "test-secret-that-is-long-enough-for-hs256-0123456789",
                  // Test-only: link previews may fetch the loopback page server. Never in wrangler.toml.
                  PREVIEW_ALLOW_LOOPBACK: "yes",
                  // A pair of this run's own, and the tests' push service on plain-http loopback.
                  VAPID_PUBLIC_KEY: vapid.publicKey,
                  VAPID_PRIVATE_KEY: vapid.privateKey,
                  PUSH_ALLOW_LOOPBACK: "true",
                  // The tests' bot webhooks on plain-http loopback (webhook-server.global.ts).
                  WEBHOOK_ALLOW_LOOPBACK: "true",
                },
              },
            }),
          ],
          test: {
            name: "workerd",
            include: ["test/**/*.test.ts"],
            exclude: ["test/browser/**", "test/scripts/**", "test/client/**", "test/faults/**"],
            setupFiles: ["./test/support/apply-migrations.ts"],
            globalSetup: [
              "./test/support/upstash-gateway.global.ts",
              "./test/support/page-server.global.ts",
              "./test/support/push-service.global.ts",
              "./test/support/webhook-server.global.ts",
            ],
            sequence: { groupOrder: 1 },
          },
        }),
        defineProject({
          test: {
            name: "node",
            include: ["test/scripts/**/*.test.ts", "test/browser/**/*.test.ts", "test/faults/**/*.test.ts"],
            // Each of these files starts its own wrangler dev; at once, they race for ports.
            fileParallelism: false,
            globalSetup: ["./test/support/browser.global.ts", "./test/support/redis.global.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            // After the workerd suites, not beside them: both start workerd, and at once
            // they would slow each other past their timeouts.
            sequence: { groupOrder: 2 },
          },
        }),
        defineProject({
          oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
          test: {
            name: "client",
            environment: "happy-dom",
            environmentOptions: { happyDOM: { url: "http://chat.test/" } },
            include: ["test/client/**/*.test.{ts,tsx}"],
            setupFiles: ["./test/client/support/setup.ts"],
            css: { modules: { classNameStrategy: "non-scoped" } },
            // First: the quickest to fail.
            sequence: { groupOrder: 0 },
          },
        }),
      ],
    },
  };
});
