/**
 * A throwaway Condor Chat under `wrangler dev`, on its own port and its own local state,
 * for the browser tests and the benchmarks: nothing touches the state `npm start` uses.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { hashPassword } from "../worker/auth/passwords.ts";
import { applyLocalMigrations, execute, sqlText } from "./wrangler-d1.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const READY_WITHIN_MS = 60_000;

/** `pid`: wrangler's process, the parent of workerd. */
export type DevServer = { url: string; persistTo: string; pid: number; stop(): Promise<void> };
export type SeedUser = { username: string; password: string; superuser?: boolean; firstName?: string };
export type DevServerOptions = {
  /** Plain vars of this run only (`--var NAME:value`). */
  vars?: Record<string, string>;
  /** Another wrangler config than the project's (the bench's counting build). */
  configPath?: string;
  /** Extra environment for wrangler, such as X_LOCAL_OBSERVABILITY. */
  env?: Record<string, string>;
  /** SQL run on the fresh database after the users, before the server starts. */
  seed?: string[];
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * Starts wrangler dev on a fresh state with the migrations applied and the users in it
 * (put there before it starts, so only one process ever writes the state at a time);
 * resolves once it serves.
 */
export async function startDevServer(users: SeedUser[] = [], options: DevServerOptions = {}): Promise<DevServer> {
  const persistTo = mkdtempSync(path.join(tmpdir(), "condor-dev-"));
  applyLocalMigrations({ remote: false, persistTo });
  if (users.length > 0) await seedUsers(persistTo, users);
  if (options.seed?.length) execute({ remote: false, persistTo }, options.seed);
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const config = options.configPath ? ["--config", options.configPath] : [];
  // A free port can be taken by another process before wrangler binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [WRANGLER, "dev", ...config, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistTo, "--show-interactive-dev-session=false", ...vars],
      {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        // A secret of this run only; required secrets may come from the environment.
        env: { ...process.env, ...options.env, WRANGLER_SEND_METRICS: "false", JWT_SECRET: randomBytes(48).toString("base64url") },
      },
    );
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    };
    try {
      await serving(child);
    } catch (error) {
      await stop();
      if (attempt < 3 && /Address already in use/.test(String(error))) continue;
      rmSync(persistTo, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      persistTo,
      pid: child.pid!,
      async stop() {
        await stop();
        rmSync(persistTo, { recursive: true, force: true });
      },
    };
  }
}

/** Resolves once wrangler dev says it is ready; rejects with its output if it exits or takes too long. */
function serving(child: ChildProcessByStdio<null, Readable, Readable>): Promise<void> {
  let output = "";
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${output}`)), READY_WITHIN_MS);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", watch);
    child.stderr.on("data", watch);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited (${code}):\n${output}`));
    });
  });
}
/** Puts users straight into a local D1, hashing each distinct password once. */
async function seedUsers(persistTo: string, users: SeedUser[]): Promise<void> {
  const hashes = new Map<string, string>();
  for (const { password } of users) if (!hashes.has(password)) hashes.set(password, await hashPassword(password));
  const now = new Date().toISOString();
  const rows = users.map(
    (user) =>
      `(${sqlText(user.username)}, ${sqlText(user.firstName ?? "")}, ${sqlText(hashes.get(user.password)!)}, ${user.superuser ? 1 : 0}, ${sqlText(now)})`,
  );
  execute({ remote: false, persistTo }, [
    `INSERT INTO users (username, first_name, password, is_superuser, date_joined) VALUES ${rows.join(", ")}`,
  ]);
}
