/**
 * A throwaway Condor Chat under `wrangler dev`, on its own port and its own local state,
 * for the browser tests and the benchmarks: nothing touches the state `npm start` uses.
 */

import { type ChildProcessByStdio, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { generateVapidKeys } from "../core/web-push.ts";
import { hashPassword } from "../worker/auth/passwords.ts";
import { applyMigrations, execute, sqlText, WRANGLER } from "./wrangler-d1.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const READY_WITHIN_MS = 60_000;

export type DevServer = {
  url: string;
  port: number;
  persistTo: string;
  /** The JWT secret of this run: a restart on the same state takes it to keep tokens valid. */
  secret: string;
  /** The ADMIN_TOKEN of this run, for the admin routes (worker/routes/admin.ts). */
  adminToken: string;
  /** The wrangler process, whose children (workerd) serve the requests. */
  pid: number;
  /** wrangler's devtools port: the worker's isolate, for a CPU profile. */
  inspectorPort: number;
  /** Stops the server; its state is deleted unless kept (for a restart on it). */
  stop(options?: { keepState?: boolean }): Promise<void>;
};

export type DevServerOptions = {
  /** A state an earlier server kept: used as it is, neither migrated nor seeded again. */
  persistTo?: string;
  /** A fixed port (a restart on the same address); otherwise a free one. */
  port?: number;
  secret?: string;
  /** Static assets to serve instead of the client build in dist/client. */
  assets?: string;
  /** Vars of this run only, as `--var NAME:value`. */
  vars?: Record<string, string>;
  /** Another wrangler config than the project's (the bench's counting build). */
  configPath?: string;
  /** More environment for wrangler, e.g. X_LOCAL_OBSERVABILITY=false. */
  env?: Record<string, string>;
  /** Writes more into a fresh state after the migrations and users, before the server starts. */
  prepare?: (persistTo: string) => Promise<unknown>;
};

export type SeedUser = { username: string; password: string; superuser?: boolean; firstName?: string };

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
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
 * `prepare` may write more into the state first. Resolves once it serves.
 */
export async function startDevServer(users: SeedUser[] = [], options: DevServerOptions = {}): Promise<DevServer> {
  const persistTo = options.persistTo ?? mkdtempSync(path.join(tmpdir(), "condor-dev-"));
  if (!options.persistTo) {
    applyMigrations({ remote: false, persistTo });
    if (users.length > 0) await seedUsers(persistTo, users);
    await options.prepare?.(persistTo);
  }
  // Secrets of this run only; required secrets may come from the environment.
  const secret = options.secret ?? randomBytes(48).toString("base64url");
  const adminToken = randomBytes(32).toString("base64url");
  // Given as an env file, so that a project's .dev.vars (written by `npm start`) is not read:
  // its secret would win over this one, and tokens minted with `secret` would not verify.
  const secrets = mkdtempSync(path.join(tmpdir(), "condor-dev-secrets-"));
  const envFile = path.join(secrets, "dev-server.env");
  const vapid = await generateVapidKeys();
  writeFileSync(
    envFile,
    `JWT_SECRET=${secret}\nADMIN_TOKEN=${adminToken}\nVAPID_PUBLIC_KEY=${vapid.publicKey}\nVAPID_PRIVATE_KEY=${vapid.privateKey}\n`,
    { mode: 0o600 },
  );
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const config = options.configPath ? ["--config", options.configPath] : [];
  const assets = options.assets ? ["--assets", options.assets] : [];
  // A free port can be taken by another process before wrangler binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const inspectorPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        WRANGLER,
        "dev",
        ...config,
        "--port",
        String(port),
        "--ip",
        "127.0.0.1",
        "--persist-to",
        persistTo,
        "--show-interactive-dev-session=false",
        "--env-file",
        envFile,
        // Its own devtools port too: the default one is shared by every wrangler dev on the machine.
        "--inspector-port",
        String(inspectorPort),
        ...assets,
        ...vars,
      ],
      {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          ...options.env,
          WRANGLER_SEND_METRICS: "false",
          JWT_SECRET: secret,
          ADMIN_TOKEN: adminToken,
          VAPID_PUBLIC_KEY: vapid.publicKey,
          VAPID_PRIVATE_KEY: vapid.privateKey,
        },
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
      if (attempt < 3 && options.port === undefined && /Address already in use/.test(String(error))) continue;
      rmSync(secrets, { recursive: true, force: true });
      if (!options.persistTo) rmSync(persistTo, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      persistTo,
      secret,
      adminToken,
      pid: child.pid!,
      inspectorPort,
      async stop({ keepState = false } = {}) {
        await stop();
        rmSync(secrets, { recursive: true, force: true });
        if (!keepState) rmSync(persistTo, { recursive: true, force: true });
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
  // A command is one argument to wrangler, which the system caps (128 KiB): 100 users a call.
  for (let i = 0; i < rows.length; i += 100) {
    execute({ remote: false, persistTo }, [
      `INSERT INTO users (username, first_name, password, is_superuser, date_joined) VALUES ${rows.slice(i, i + 100).join(", ")}`,
    ]);
  }
}

/** The processes below a pid (children, their children...), read from /proc: Linux only. */
function descendants(pid: number): { pid: number; name: string }[] {
  const parents = new Map<number, { pid: number; name: string }[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (name) state ppid ...": the name may hold spaces and parentheses.
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), { pid: Number(entry), name }]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: { pid: number; name: string }[] = [];
  const visit = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      visit(child.pid);
    }
  };
  visit(pid);
  return found;
}

/** The workerd processes serving a dev server (the runtime wrangler dev starts). */
export function workerdProcesses(server: DevServer): number[] {
  return descendants(server.pid)
    .filter((process) => process.name.startsWith("workerd"))
    .map((process) => process.pid);
}

/** Resident memory of the server's workerd processes, in bytes. */
export function serverMemory(server: DevServer): number {
  let total = 0;
  for (const pid of workerdProcesses(server)) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  }
  return total;
}

/**
 * Kills the server as a crash would: its workerd processes with SIGKILL, mid-request, then
 * wrangler itself; the state stays for a restart with startDevServer({ persistTo, port, secret }).
 */
export async function crashDevServer(server: DevServer): Promise<void> {
  for (const pid of workerdProcesses(server)) process.kill(pid, "SIGKILL");
  await server.stop({ keepState: true });
}
