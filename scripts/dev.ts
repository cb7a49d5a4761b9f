/**
 * `npm run dev`: Condor Chat on http://localhost:5173 for working on it. One Vite dev server
 * runs the worker and its Durable Objects in workerd (Cloudflare's Vite plugin) and serves
 * the client with hot module replacement. It prepares the local run as `npm start` does
 * (scripts/local-setup.ts) and uses the same local state in .wrangler/state.
 *
 * The plugin is added here rather than in vite.config.ts: in a `vite build` it would also
 * build the worker and point wrangler at that build, and `npm start` and the tests serve
 * the plain client build in dist/client under `wrangler dev`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflare } from "@cloudflare/vite-plugin";
import { createServer } from "vite";
import { choosePresence, ensureDevSecrets, migrateLocalDatabase } from "./local-setup.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.env.WRANGLER_SEND_METRICS = "false";
process.env.X_LOCAL_OBSERVABILITY ??= "false";
// Miniflare would fetch a real `request.cf` from Cloudflare; offline, its placeholder serves.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
const PORT = Number(process.env.PORT ?? 5173);

process.chdir(PROJECT_ROOT);
await ensureDevSecrets();
await migrateLocalDatabase();
const presence = await choosePresence();

const server = await createServer({
  configFile: path.join(PROJECT_ROOT, "vite.config.ts"),
  plugins: [
    cloudflare({
      configPath: path.join(PROJECT_ROOT, "wrangler.toml"),
      // Where `wrangler dev` keeps it, so both commands see the same users and rooms.
      persistState: { path: path.join(PROJECT_ROOT, ".wrangler", "state") },
      config: { vars: presence.vars },
    }),
  ],
  server: { port: PORT, strictPort: true, host: "127.0.0.1" },
});
await server.listen();
console.log("\n> Condor Chat (worker in workerd, client with hot reload):");
server.printUrls();

const stop = async () => {
  await server.close();
  await presence.gateway?.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
