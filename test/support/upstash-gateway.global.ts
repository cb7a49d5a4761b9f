/**
 * Starts the Upstash gateway over the local Redis before the workerd suites, so the Upstash
 * presence store is tested against a real Redis, and hands the tests its address through
 * vitest's provide/inject (inject works inside workerd too; the type is in provided-context.d.ts).
 */
import type { TestProject } from "vitest/node";
import { startGateway } from "../../scripts/upstash-gateway";

export default async function setup(project: TestProject) {
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const token = crypto.randomUUID();
  // A free port each run, so parallel runs on one machine do not collide.
  const gateway = await startGateway({ port: 0, redisUrl, token }).catch((error: Error) => {
    throw new Error(
      `The presence tests need a Redis at ${redisUrl} (set REDIS_URL for another): ${error.message}. ` +
        `Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  });
  project.provide("upstashGateway", { url: gateway.url, token });
  return () => gateway.close();
}
