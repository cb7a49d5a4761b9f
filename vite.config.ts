import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The client is built into dist/client, which wrangler serves as the worker's static assets.
export default defineConfig({
  root: "client",
  plugins: [preact()],
  build: { outDir: "../dist/client", emptyOutDir: true },
});
