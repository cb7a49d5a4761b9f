/**
 * `npm test`: everything CI checks, in the order that fails fastest.
 * 1. Biome (lint and format), 2. worker-configuration.d.ts up to date with wrangler.toml,
 * 3. types (every tsconfig), 4. the Drizzle schema and migrations/ agree, 5. the client
 * build (the worker serves it), 6. every vitest project (client, workerd, node) in one
 * `vitest run`, 7. the worker bundled as `wrangler deploy` would bundle it, refused past
 * the Workers size limit.
 * Ends with one line "N passed, N failed" over all projects; a skipped or todo test fails
 * the run, since it is a test that cannot fail.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { TestSummary } from "./test-summary-reporter.ts";

/** Workers' limit on a compressed script on the free plan; the paid plan allows 10 MiB. */
const WORKER_SIZE_LIMIT_BYTES = 3 * 1024 * 1024;

process.env.WRANGLER_SEND_METRICS = "false";
const reports = mkdtempSync(path.join(tmpdir(), "condor-test-"));
const totals = { passed: 0, failed: 0 };
let ok = true;

function run(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  console.log(`\n== ${title}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.status !== 0) ok = false;
  return result.status === 0;
}

function vitest() {
  const summaryFile = path.join(reports, "summary.json");
  const reporters = ["--reporter=default", "--reporter=./scripts/test-summary-reporter.ts"];
  run("tests", "npx", ["vitest", "run", ...reporters], { ...process.env, CONDOR_TEST_SUMMARY: summaryFile });
  try {
    const summary: TestSummary = JSON.parse(readFileSync(summaryFile, "utf8"));
    totals.passed += summary.passed;
    totals.failed += summary.failed;
    if (summary.skipped > 0) {
      console.error(`${summary.skipped} skipped or todo tests`);
      ok = false;
    }
  } catch {
    console.error("vitest left no summary; counting the run as failed");
    totals.failed += 1;
    ok = false;
  }
}

/**
 * drizzle-kit generate, run on a copy of migrations/, must find nothing to write: the schema
 * in core/db/schema.ts and the migrations describe the same database.
 */
function migrationsMatchSchema() {
  const copy = path.join(reports, "migrations");
  cpSync("migrations", copy, { recursive: true });
  // drizzle-kit misreads an absolute `out` (it prefixes "./"), so give it a relative one.
  const env = { ...process.env, DRIZZLE_OUT: path.relative(process.cwd(), copy) };
  if (!run("schema and migrations agree", "npx", ["drizzle-kit", "generate", "--name", "pending"], env)) return false;
  const written = readdirSync(copy).filter((name) => !existsSync(path.join("migrations", name)));
  if (written.length === 0) return true;
  console.error(
    `core/db/schema.ts has changes no migration makes (drizzle-kit would write ${written.join(", ")}): ` +
      "run `npx drizzle-kit generate --name <what-changed>` and commit the migration.",
  );
  ok = false;
  return false;
}

function bundleSize(directory: string) {
  let gzipped = 0;
  for (const name of readdirSync(directory, { recursive: true, encoding: "utf8" })) {
    const file = path.join(directory, name);
    if (statSync(file).isFile() && !file.endsWith(".map")) gzipped += gzipSync(readFileSync(file)).length;
  }
  return gzipped;
}

const gates = () =>
  run("lint and format", "npx", ["biome", "ci", "."]) &&
  run("binding types up to date", "npm", ["run", "--silent", "types", "--", "--check"]) &&
  run("types", "npx", ["tsc", "-b"]) &&
  migrationsMatchSchema() &&
  run("client build", "npx", ["vite", "build", "--logLevel", "warn"]) &&
  // The OpenAPI document against Redocly's recommended rules (redocly.yaml): no error, no warning.
  run("api document lint", "npm", ["run", "--silent", "lint:api"]);

if (gates()) {
  vitest();
  const outdir = path.join(reports, "bundle");
  if (run("deploy bundle", "npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir])) {
    const size = bundleSize(outdir);
    const verdict = size <= WORKER_SIZE_LIMIT_BYTES ? "within" : "OVER";
    console.log(
      `worker bundle: ${(size / 1024).toFixed(1)} KiB gzipped, ${verdict} the ${WORKER_SIZE_LIMIT_BYTES / 1024 / 1024} MiB limit`,
    );
    if (size > WORKER_SIZE_LIMIT_BYTES) ok = false;
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
