/**
 * What `npm start` and `npm run dev` do before the app starts: random secrets in .dev.vars on
 * first run (never a constant in code), the D1 migrations applied to the local database (D1's
 * history moved into the rooms first, where an older installation still has it), and the
 * presence store picked.
 *
 * Presence: when a Redis answers on 127.0.0.1:6379 (or REDIS_URL), the Upstash path runs
 * for real, through the bundled Upstash-REST gateway; otherwise the embedded store serves.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { generateVapidKeys } from "../core/web-push.ts";
import { moveHistory } from "./move-history.ts";
import { type Gateway, startGateway } from "./upstash-gateway.ts";
import { applyMigrations } from "./wrangler-d1.ts";

/** Runs one step of the setup in the foreground; exits with its code when it fails. */
export function step(title: string, command: string, args: string[]) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status}); see above.`);
    process.exit(result.status ?? 1);
  }
}

/** The secrets a local run needs: JWT_SECRET signs tokens, ADMIN_TOKEN opens the admin routes. */
const DEV_SECRETS = ["JWT_SECRET", "ADMIN_TOKEN"];

const devVars = () => (existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "");

function addDevVar(name: string, value: string) {
  const vars = devVars();
  const separator = vars === "" || vars.endsWith("\n") ? "" : "\n";
  appendFileSync(".dev.vars", `${separator}${name}=${value}\n`, { mode: 0o600 });
  console.log(`> Wrote a new ${name} to .dev.vars (kept out of git).`);
}

export async function ensureDevSecrets() {
  for (const name of DEV_SECRETS) {
    if (!new RegExp(`^${name}=`, "m").test(devVars())) addDevVar(name, randomBytes(48).toString("base64url"));
  }
  // Web Push needs a key pair, not random bytes: both halves are written together.
  if (!/^VAPID_PRIVATE_KEY=/m.test(devVars())) {
    const keys = await generateVapidKeys();
    addDevVar("VAPID_PUBLIC_KEY", keys.publicKey);
    addDevVar("VAPID_PRIVATE_KEY", keys.privateKey);
  }
}

/**
 * Applies the local D1's migrations. The one that drops D1's history refuses while D1 still
 * holds messages, so those are moved into their rooms first (as `npm run manage --
 * move-history` does), and then it runs.
 */
export async function migrateLocalDatabase() {
  console.log("\n> Applying database migrations (local D1)");
  try {
    const migrations = applyMigrations({ remote: false });
    console.log(migrations.applied ? "Applied the pending migrations." : "No migrations to apply.");
    if (!migrations.historyToMove) return;
    console.log("\n> The local D1 still holds messages: moving them into their rooms (npm run manage -- move-history)");
    await moveHistory({ target: { remote: false } });
  } catch (error) {
    console.error(`\n${(error as Error).message}`);
    process.exit(1);
  }
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
