/**
 * `npm start`: Condor Chat on http://localhost:8787, as on Cloudflare but all local.
 * Prepares the local run (scripts/local-setup.ts: the dev secrets, the migrations, the
 * presence store), builds the client, then runs `wrangler dev`, which serves it from
 * dist/client.
 *
 * Local tracing (wrangler's X_LOCAL_OBSERVABILITY) is off unless the environment asks for it.
 */
import { spawn } from "node:child_process";
import { choosePresence, ensureDevSecrets, migrateLocalDatabase, step } from "./local-setup.ts";
import { WRANGLER } from "./wrangler-d1.ts";

process.env.WRANGLER_SEND_METRICS = "false";
// Wrangler's local tracing costs every request (about 2.5x in a busy room); set
// X_LOCAL_OBSERVABILITY=true to have it.
process.env.X_LOCAL_OBSERVABILITY ??= "false";
// Miniflare would fetch a real `request.cf` from Cloudflare; offline, its placeholder serves.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
const PORT = process.env.PORT ?? "8787";

await ensureDevSecrets();
step("Building the client", "npx", ["vite", "build", "--logLevel", "warn"]);
await migrateLocalDatabase();
const presence = await choosePresence();
const presenceVars = Object.entries(presence.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);

console.log(`\n> Starting Condor Chat on http://localhost:${PORT}`);
// wrangler itself, not through npx: npx does not pass SIGTERM on, which left wrangler running.
const dev = spawn(process.execPath, [WRANGLER, "dev", "--port", PORT, "--ip", "127.0.0.1", ...presenceVars], {
  stdio: "inherit",
  env: process.env,
});
const stop = () => dev.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", async (code) => {
  await presence.gateway?.close();
  process.exit(code ?? 0);
});
