/**
 * `npm test`: everything CI checks, in the order that fails fastest.
 * 1. types, 2. the client build (the worker serves it), 3. the suites inside workerd,
 * 4. the suites in Node (command-line tools, gateway, browsers), 5. the client's component
 * tests in happy-dom, 6. the worker bundled as `wrangler deploy` would bundle it, refused
 * past the Workers size limit.
 * Ends with one line "N passed, N failed" over all suites.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** Workers' limit on a compressed script on the free plan; the paid plan allows 10 MiB. */
const WORKER_SIZE_LIMIT_BYTES = 3 * 1024 * 1024;

process.env.WRANGLER_SEND_METRICS = "false";
const reports = mkdtempSync(path.join(tmpdir(), "condor-test-"));
const totals = { passed: 0, failed: 0 };
let ok = true;

function run(title: string, command: string, args: string[]) {
  console.log(`\n== ${title}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  if (result.status !== 0) ok = false;
  return result.status === 0;
}

function vitest(title: string, args: string[]) {
  const report = path.join(reports, `${title.replace(/\W+/g, "-")}.json`);
  run(title, "npx", ["vitest", "run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
  try {
    const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(report, "utf8"));
    totals.passed += numPassedTests;
    totals.failed += numFailedTests;
    // A skipped test is a test that cannot fail: count it against the run.
    if (numPendingTests > 0) {
      console.error(`${title}: ${numPendingTests} skipped or todo tests`);
      ok = false;
    }
  } catch {
    console.error(`${title}: no report; counting the suite as failed`);
    totals.failed += 1;
    ok = false;
  }
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
  run("client build", "npx", ["vite", "build", "--logLevel", "warn"]);

if (gates()) {
  vitest("workerd suites", []);
  vitest("node suites", ["--config", "vitest.node.config.ts"]);
  vitest("client components", ["--config", "vitest.client.config.ts"]);
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
