/**
 * Component tests of the web client: Preact components rendered into happy-dom and driven
 * with @testing-library/preact. There is no server in a DOM test, so `fetch` and
 * XMLHttpRequest are answered by the fakes in test/client/support/.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  test: {
    environment: "happy-dom",
    environmentOptions: { happyDOM: { url: "http://chat.test/" } },
    include: ["test/client/**/*.test.{ts,tsx}"],
    setupFiles: ["./test/client/support/setup.ts"],
    css: { modules: { classNameStrategy: "non-scoped" } },
  },
});
