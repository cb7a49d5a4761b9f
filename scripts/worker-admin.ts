/**
 * The worker's admin routes (worker/routes/admin.ts) as the admin commands reach them: what
 * touches the rooms' objects goes through a running worker, so a command works the same way
 * locally and deployed.
 *
 * - Deployed (`--remote`): the worker at `--url` or CONDOR_URL, with the deployment's
 *   ADMIN_TOKEN in CONDOR_ADMIN_TOKEN (never an option: the process list would show it).
 * - Locally: the worker at `--url` if given; else the one `npm start` or `npm run dev` runs on
 *   the default state, if it answers to .dev.vars' ADMIN_TOKEN (a second workerd on the same
 *   state would hold the same rooms twice); else a `wrangler dev` of the command's own, on the
 *   command's state, for as long as the command runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDevServer } from "./dev-server.ts";
import type { D1Target } from "./wrangler-d1.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where `npm start`, `npm run dev` and wrangler keep the local state unless told otherwise. */
const DEFAULT_STATE = path.join(PROJECT_ROOT, ".wrangler", "state");
/** The ports `npm start` and `npm run dev` serve on by default. */
const LOCAL_PORTS = [8787, 5173];

export type AdminWorker = { url: string; token: string };

/** The admin routes refused or failed a request: their error text, or the status. */
export class AdminError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** One request to the admin routes; answers the JSON body of a 200. */
export async function adminRequest<T>(worker: AdminWorker, method: string, route: string, body?: unknown): Promise<T> {
  let answer: Response;
  try {
    answer = await fetch(new URL(`/api/admin${route}`, worker.url), {
      method,
      headers: {
        authorization: `Bearer ${worker.token}`,
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new AdminError(0, `The worker at ${worker.url} does not answer (${(error as Error).message}).`);
  }
  const text = await answer.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (answer.status !== 200) {
    const why = typeof json?.error === "string" ? json.error : text.slice(0, 200);
    throw new AdminError(answer.status, `The worker at ${worker.url} answered ${answer.status}: ${why}`);
  }
  return json as T;
}

/** Whether the worker takes the token: its admin routes answer, and not with a 401 or 404. */
async function check(worker: AdminWorker): Promise<void> {
  try {
    await adminRequest(worker, "GET", "/");
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    if (error.status === 404)
      throw new Error(`The worker at ${worker.url} has no admin routes: set its ADMIN_TOKEN secret (see README.md).`);
    if (error.status === 401)
      throw new Error(`The worker at ${worker.url} does not take this admin token (CONDOR_ADMIN_TOKEN).`);
    throw error;
  }
}

/** ADMIN_TOKEN in the project's .dev.vars, which `npm start` writes. */
function localAdminToken(): string | undefined {
  const file = path.join(PROJECT_ROOT, ".dev.vars");
  if (!existsSync(file)) return undefined;
  return /^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
}

/** The worker `npm start` or `npm run dev` runs on the default state, if one answers to .dev.vars' token. */
async function runningLocalWorker(): Promise<AdminWorker | undefined> {
  const token = localAdminToken();
  if (!token) return undefined;
  const ports = [...new Set([Number(process.env.PORT) || LOCAL_PORTS[0], ...LOCAL_PORTS])];
  for (const port of ports) {
    const worker = { url: `http://127.0.0.1:${port}`, token };
    if (
      await check(worker).then(
        () => true,
        () => false,
      )
    )
      return worker;
  }
  return undefined;
}

/**
 * Runs `work` with a worker for the target; one started for the command is stopped after it,
 * whether the work succeeds or not.
 */
export async function withWorker<T>(
  target: D1Target,
  url: string | undefined,
  work: (worker: AdminWorker) => Promise<T>,
): Promise<T> {
  const given = url ?? (target.remote ? process.env.CONDOR_URL : undefined);
  if (target.remote && !given)
    throw new Error("--remote needs the deployed worker's address: --url https://... or CONDOR_URL.");
  if (given) {
    const token = process.env.CONDOR_ADMIN_TOKEN ?? (target.remote ? undefined : localAdminToken());
    if (!token) throw new Error("Set CONDOR_ADMIN_TOKEN to the worker's ADMIN_TOKEN.");
    const worker = { url: given, token };
    await check(worker);
    return work(worker);
  }
  const local = target.remote ? undefined : target;
  if (local?.persistTo === undefined) {
    const running = await runningLocalWorker();
    if (running) {
      console.error(`Going through the worker running at ${running.url}.`);
      return work(running);
    }
  }
  // Only the admin routes are needed: no client build to serve.
  const assets = mkdtempSync(path.join(tmpdir(), "condor-no-assets-"));
  try {
    const server = await startDevServer([], { persistTo: local?.persistTo ?? DEFAULT_STATE, assets });
    try {
      return await work({ url: server.url, token: server.adminToken });
    } finally {
      await server.stop({ keepState: true });
    }
  } finally {
    rmSync(assets, { recursive: true, force: true });
  }
}
