import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

/** Where /api/docs loads its renderer from: worker/routes/docs.ts names the same path. */
const API_DOCS_RENDERER = "api-docs/scalar.standalone.js";

/**
 * Scalar's browser bundle, copied from node_modules into the build so that /api/docs is
 * served by the worker itself: nothing from a CDN, nothing minified committed, and the
 * worker's own bundle stays small. `npm run dev` serves the same file from node_modules.
 */
function apiDocsRenderer(): Plugin {
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  const standalone = path.join(path.dirname(entry), "browser", "standalone.js");
  return {
    name: "condor:api-docs-renderer",
    configureServer(server) {
      server.middlewares.use(`/${API_DOCS_RENDERER}`, (_request, response) => {
        response.setHeader("content-type", "text/javascript; charset=utf-8");
        response.end(readFileSync(standalone));
      });
    },
    generateBundle() {
      this.emitFile({ type: "asset", fileName: API_DOCS_RENDERER, source: readFileSync(standalone) });
    },
  };
}

// The client is built into dist/client, which wrangler serves as the worker's static assets.
export default defineConfig({
  root: "client",
  plugins: [preact(), apiDocsRenderer()],
  build: {
    outDir: "../dist/client",
    emptyOutDir: true,
    rollupOptions: {
      // The service worker at the root, under a fixed name, so its scope is the whole app.
      input: { main: path.resolve("client/index.html"), sw: path.resolve("client/sw.ts") },
      output: { entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js") },
    },
  },
});
