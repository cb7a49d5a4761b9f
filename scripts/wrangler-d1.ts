/**
 * The worker's D1 database (and its avatar bucket) as the admin commands reach them:
 * through wrangler, on the local state that `npm start` (wrangler dev) uses, or on the
 * deployed ones with `remote`.
 *
 * `wrangler d1 execute` has no bound parameters, so values travel as hex literals cast to
 * text (`sqlText`): no character of a username or a name is ever read by the SQL parser.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Run by the Node that runs this script (22, from the `node` devDependency): wrangler needs it.
export const WRANGLER = path.join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** `database_name` in wrangler.toml. */
const DATABASE = "condor-chat";
/** The `AVATARS` binding's `bucket_name` in wrangler.toml. */
const AVATAR_BUCKET = "condor-chat-avatars";

/** Which D1: the local one (optionally in another state directory) or the deployed one. */
export type D1Target = { remote: true } | { remote: false; persistTo?: string };

export type Row = Record<string, unknown>;

/** A string as a SQL text value that cannot end early or inject: its UTF-8 bytes in hex. */
export function sqlText(value: string): string {
  return `CAST(X'${Buffer.from(value, "utf8").toString("hex")}' AS TEXT)`;
}

function wrangler(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    // No terminal for wrangler: it then asks nothing (it would confirm migrations) and
    // our own prompts keep the terminal to themselves.
    stdio: ["ignore", "pipe", "pipe"],
    // Reading back an import's ids of a big installation is megabytes of JSON.
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.error) throw new Error(`Could not run wrangler: ${result.error.message}`);
  return result;
}

function locationFlags(target: D1Target): string[] {
  if (target.remote) return ["--remote"];
  return target.persistTo ? ["--local", "--persist-to", target.persistTo] : ["--local"];
}

/**
 * What the migration that drops D1's history says when it refuses to run: D1 still holds
 * messages or read positions that `npm run manage -- move-history` has not moved into their
 * rooms. The migrations before it are applied; it waits, and so do any after it.
 */
export const HISTORY_NOT_MOVED = "D1 still holds messages";

export type MigrationsApplied = {
  /** Whether any migration ran. */
  applied: boolean;
  /** Whether the drop of D1's history is waiting for the move (see HISTORY_NOT_MOVED). */
  historyToMove: boolean;
  /** wrangler's own report. */
  output: string;
};

/** Brings a database to the latest migration it may take now, as `npm start` does locally. */
export function applyMigrations(target: D1Target): MigrationsApplied {
  const result = wrangler(["d1", "migrations", "apply", DATABASE, ...locationFlags(target)]);
  const output = `${result.stdout}${result.stderr}`.trim();
  const historyToMove = result.status !== 0 && output.includes(HISTORY_NOT_MOVED);
  if (result.status !== 0 && !historyToMove) {
    throw new Error(`Applying the migrations to the ${target.remote ? "deployed" : "local"} D1 failed:\n${output}`);
  }
  // wrangler's table marks each migration that ran with a ✅.
  return { applied: /\u2502 \u2705/.test(result.stdout), historyToMove, output };
}

/** Runs the statements in one wrangler call and returns each statement's rows, in order. */
export function execute(target: D1Target, statements: string[]): Row[][] {
  return runSql(target, ["--command", statements.join(";\n")]);
}

function runSql(target: D1Target, input: string[]): Row[][] {
  const result = wrangler(["d1", "execute", DATABASE, ...locationFlags(target), "--json", ...input]);
  let output: unknown;
  try {
    output = JSON.parse(result.stdout);
  } catch {
    throw new Error(`wrangler d1 execute failed:\n${result.stdout}${result.stderr}`.trim());
  }
  if (result.status !== 0 || !Array.isArray(output)) {
    const text = (output as { error?: { text?: string } }).error?.text ?? result.stderr.trim();
    if (target.remote && /no such table/.test(text)) {
      throw new Error(
        `The deployed D1 has no schema yet (${text}). Apply the migrations first:\n` +
          `  npx wrangler d1 migrations apply ${DATABASE} --remote`,
      );
    }
    throw new Error(`wrangler d1 execute failed: ${text}`);
  }
  return output.map((statement: { results?: Row[] }) => statement.results ?? []);
}

/**
 * Runs the statements as one SQL file: one transaction, all or nothing, both locally (one
 * D1 batch) and deployed (D1's import, which rolls back a file that fails). No results.
 */
export function executeFile(target: D1Target, statements: string[]): void {
  const directory = mkdtempSync(path.join(tmpdir(), "condor-sql-"));
  const file = path.join(directory, "batch.sql");
  try {
    writeFileSync(file, `${statements.join(";\n")};\n`);
    runSql(target, ["--yes", "--file", file]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Stores a file in the avatar bucket under `key`, with its content type. */
export function putAvatar(target: D1Target, key: string, file: string, contentType: string): void {
  const result = wrangler([
    "r2",
    "object",
    "put",
    `${AVATAR_BUCKET}/${key}`,
    "--file",
    file,
    "--content-type",
    contentType,
    ...locationFlags(target),
  ]);
  if (result.status !== 0) throw new Error(`Storing ${key} in R2 failed:\n${result.stdout}${result.stderr}`.trim());
}
