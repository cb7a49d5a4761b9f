/**
 * `npm start`: Condor Chat on http://localhost:8787, as on Cloudflare but all local.
 * Writes a random JWT secret into .dev.vars on first run (never a constant in code), builds
 * the client, applies the D1 migrations to the local database, picks the presence store,
 * then runs `wrangler dev`.
 *
 * Local tracing (wrangler's X_LOCAL_OBSERVABILITY) is off unless the environment asks for it.
 *
 * Presence: when a Redis answers on 127.0.0.1:6379 (or REDIS_URL), the Upstash path runs
 * for real, through the bundled Upstash-REST gateway; otherwise the embedded store serves.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { type Gateway, startGateway } from "./upstash-gateway.ts";
import { WRANGLER } from "./wrangler-d1.ts";

process.env.WRANGLER_SEND_METRICS = "false";
// Wrangler's local tracing costs every request (about 2.5x in a busy room); set
// X_LOCAL_OBSERVABILITY=true to have it.
process.env.X_LOCAL_OBSERVABILITY ??= "false";
const PORT = process.env.PORT ?? "8787";

function step(title: string, command: string, args: string[]) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status}); see above.`);
    process.exit(result.status ?? 1);
  }
}

function ensureDevSecret() {
  const vars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
  if (/^JWT_SECRET=/m.test(vars)) return;
  const separator = vars === "" || vars.endsWith("\n") ? "" : "\n";
  appendFileSync(".dev.vars", `${separator}JWT_SECRET=${randomBytes(48).toString("base64url")}\n`, { mode: 0o600 });
  console.log("> Wrote a new random JWT_SECRET to .dev.vars (kept out of git).");
}

/** The Upstash gateway over a local Redis, or nothing when no Redis answers. */
async function presenceGateway(token: string): Promise<Gateway | undefined> {
  try {
    return await startGateway({ port: 0, redisUrl: process.env.REDIS_URL, token });
  } catch {
    return undefined;
  }
}

ensureDevSecret();
step("Building the client", "npx", ["vite", "build", "--logLevel", "warn"]);
step("Applying database migrations (local D1)", "npx", [
  "wrangler",
  "d1",
  "migrations",
  "apply",
  "condor-chat",
  "--local",
]);

const token = randomBytes(24).toString("base64url");
const gateway = await presenceGateway(token);
// As plain vars of this run only: in .dev.vars they would also reach the test suites.
const presenceVars = gateway
  ? ["--var", `UPSTASH_REDIS_REST_URL:${gateway.url}`, "--var", `UPSTASH_REDIS_REST_TOKEN:${token}`]
  : [];
if (gateway) {
  console.log(`\n> Presence: Upstash (REST gateway at ${gateway.url} over the local Redis)`);
} else {
  console.log("\n> Presence: the embedded store (no Redis answered on 127.0.0.1:6379)");
}

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
  await gateway?.close();
  process.exit(code ?? 0);
});
