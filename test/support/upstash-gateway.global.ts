/**
 * Starts the Upstash gateway over a real Redis before the workerd suites, so the Upstash
 * presence store is tested against a real Redis, and hands the tests its address through
 * vitest's provide/inject (inject works inside workerd too; the type is in provided-context.d.ts).
 * The Redis is the one at REDIS_URL or 127.0.0.1:6379, else one started for this run.
 */
import type { TestProject } from "vitest/node";
import { redisForTests } from "../../scripts/redis-server.ts";
import { startGateway } from "../../scripts/upstash-gateway";

export default async function setup(project: TestProject) {
  const redis = await redisForTests();
  const token = crypto.randomUUID();
  // A free port each run, so parallel runs on one machine do not collide.
  const gateway = await startGateway({ port: 0, redisUrl: redis.url, token }).catch(async (error: Error) => {
    await redis.stop();
    throw new Error(`The presence tests could not reach the Redis at ${redis.url}: ${error.message}`);
  });
  project.provide("upstashGateway", { url: gateway.url, token });
  return async () => {
    await gateway.close();
    await redis.stop();
  };
}
