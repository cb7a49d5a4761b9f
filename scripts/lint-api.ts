/**
 * `npm run lint:api`: the OpenAPI document the worker serves, checked with Redocly's
 * recommended rules (redocly.yaml). Fails on any error or warning.
 *
 * The document is taken from the worker's own app in Node, not from a running `wrangler dev`:
 * Vite loads worker/index.ts as it is, with `cloudflare:workers` (used only to declare the
 * Durable Object classes) replaced by a stand-in, and the app answers GET /api/v1/openapi.json.
 * Writes the document to dist/openapi.json, or to the path given as the first argument.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createServer } from "vite";

const root = path.resolve(import.meta.dirname, "..");
const output = path.resolve(process.argv[2] ?? path.join(root, "dist", "openapi.json"));
/** An origin no one owns: the document names the request's origin as its server. */
const ORIGIN = "https://condor-chat.invalid";
const CONFIG = path.join(root, "redocly.yaml");

/** The worker's app, loaded in Node. */
async function workerApp() {
  const vite = await createServer({
    root,
    configFile: false,
    logLevel: "error",
    appType: "custom",
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
    resolve: { alias: { "cloudflare:workers": path.join(root, "scripts", "lint-api", "cloudflare-workers.ts") } },
  });
  try {
    const worker = await vite.ssrLoadModule("/worker/index.ts");
    return worker.default as { request(url: string, init?: RequestInit, env?: object): Promise<Response> };
  } finally {
    await vite.close();
  }
}

const app = await workerApp();
const answer = await app.request(`${ORIGIN}/api/v1/openapi.json`, {}, {});
if (!answer.ok) throw new Error(`GET /api/v1/openapi.json answered ${answer.status}: ${await answer.text()}`);
mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, `${JSON.stringify(await answer.json(), null, 2)}\n`);
console.log(`wrote ${path.relative(root, output)}`);

// Redocly would ask the internet about telemetry and updates; here there is none to ask.
const redoclyEnv = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
const redocly = (...args: string[]) =>
  spawnSync(path.join(root, "node_modules", ".bin", "redocly"), ["lint", output, "--config", CONFIG, ...args], {
    encoding: "utf8",
    env: redoclyEnv,
  });

const shown = redocly("--max-problems", "500");
process.stdout.write(shown.stdout);
process.stderr.write(shown.stderr);
// Redocly exits 0 on warnings alone; this gate fails on those too.
const { totals } = JSON.parse(redocly("--format", "json").stdout) as { totals: { errors: number; warnings: number } };
console.log(`api document lint: ${totals.errors} errors, ${totals.warnings} warnings`);
process.exit(shown.status === 0 && totals.errors === 0 && totals.warnings === 0 ? 0 : 1);
