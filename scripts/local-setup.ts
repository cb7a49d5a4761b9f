/**
 * What `npm start` and `npm run dev` do before the app starts: a random JWT secret in
 * .dev.vars on first run (never a constant in code), the D1 migrations applied to the local
 * database, and the presence store picked.
 *
 * Presence: when a Redis answers on 127.0.0.1:6379 (or REDIS_URL), the Upstash path runs
 * for real, through the bundled Upstash-REST gateway; otherwise the embedded store serves.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { type Gateway, startGateway } from "./upstash-gateway.ts";

/** Runs one step of the setup in the foreground; exits with its code when it fails. */
export function step(title: string, command: string, args: string[]) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status}); see above.`);
    process.exit(result.status ?? 1);
  }
}

export function ensureDevSecret() {
  const vars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
  if (/^JWT_SECRET=/m.test(vars)) return;
  const separator = vars === "" || vars.endsWith("\n") ? "" : "\n";
  appendFileSync(".dev.vars", `${separator}JWT_SECRET=${randomBytes(48).toString("base64url")}\n`, { mode: 0o600 });
  console.log("> Wrote a new random JWT_SECRET to .dev.vars (kept out of git).");
}

export function migrateLocalDatabase() {
  step("Applying database migrations (local D1)", "npx", [
    "wrangler",
    "d1",
    "migrations",
    "apply",
    "condor-chat",
    "--local",
  ]);
}

export type Presence = {
  /** Vars of this run only: in .dev.vars they would also reach the test suites. */
  vars: Record<string, string>;
  gateway?: Gateway;
};

/** The Upstash gateway over a local Redis, or the embedded store when no Redis answers. */
export async function choosePresence(): Promise<Presence> {
  const token = randomBytes(24).toString("base64url");
  const gateway = await startGateway({ port: 0, redisUrl: process.env.REDIS_URL, token }).catch(() => undefined);
  if (!gateway) {
    console.log("\n> Presence: the embedded store (no Redis answered on 127.0.0.1:6379)");
    return { vars: {} };
  }
  console.log(`\n> Presence: Upstash (REST gateway at ${gateway.url} over the local Redis)`);
  return { vars: { UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: token }, gateway };
}
