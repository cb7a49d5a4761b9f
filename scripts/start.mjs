#!/usr/bin/env node
/**
 * `npm start`: Condor Chat on http://localhost:8787, as on Cloudflare but all local.
 * Writes a random JWT secret into .dev.vars on first run (never a constant in code), builds
 * the client, applies the D1 migrations to the local database, then runs `wrangler dev`.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, appendFileSync } from "node:fs";

process.env.WRANGLER_SEND_METRICS = "false";
const PORT = process.env.PORT ?? "8787";

function step(title, command, args) {
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

ensureDevSecret();
step("Building the client", "npx", ["vite", "build", "--logLevel", "warn"]);
step("Applying database migrations (local D1)", "npx", ["wrangler", "d1", "migrations", "apply", "condor-chat", "--local"]);

console.log(`\n> Starting Condor Chat on http://localhost:${PORT}`);
const dev = spawn("npx", ["wrangler", "dev", "--port", PORT, "--ip", "127.0.0.1"], { stdio: "inherit", env: process.env });
const stop = () => dev.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 0));
