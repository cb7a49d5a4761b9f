/**
 * A real Redis for the tests: the one at REDIS_URL (or 127.0.0.1:6379) when it answers,
 * else a `redis-server` of this run's own on a free port, without persistence, stopped
 * when the run ends. No npm package ships a Redis binary (the one that builds Redis does
 * so by downloading its source), so where redis-server is missing the error says how to
 * install it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createClient } from "redis";
import { freePort } from "./dev-server.ts";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const INSTALL_REDIS = "sudo apt-get install redis-server (Debian, Ubuntu), or brew install redis (macOS)";
const READY_WITHIN_MS = 10_000;

export type RedisServer = {
  url: string;
  /** Whether this run started it (and so stops it). */
  ours: boolean;
  stop(): Promise<void>;
};

/** Whether a Redis answers PING at `url` within a couple of seconds. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.quit().catch(() => {});
  }
}

/**
 * Starts `redis-server` on 127.0.0.1 (a free port unless given one), without persistence;
 * resolves once it accepts connections. Its stop is a kill: there is nothing to save.
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  port ??= await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start within ${READY_WITHIN_MS} ms: ${output}`)),
      READY_WITHIN_MS,
    );
    const done = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) done();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", (error: NodeJS.ErrnoException) =>
      done(
        error.code === "ENOENT"
          ? new Error(
              `There is no redis-server on PATH to start one with. Install it: ${INSTALL_REDIS}; or set REDIS_URL.`,
            )
          : error,
      ),
    );
    child.once("exit", (code) => done(new Error(`redis-server exited (${code}): ${output}`)));
  }).catch(async (error) => {
    if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL");
    throw error;
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    ours: true,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** The Redis at REDIS_URL (or the default) when it answers, else one of this run's own. */
export async function redisForTests(): Promise<RedisServer> {
  const url = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (await redisAnswers(url)) return { url, ours: false, stop: async () => {} };
  const redis = await startRedisServer().catch((error: Error) => {
    throw new Error(`No Redis answered at ${url}. ${error.message}`);
  });
  console.log(`No Redis answered at ${url}; started redis-server at ${redis.url} for this run.`);
  return redis;
}
