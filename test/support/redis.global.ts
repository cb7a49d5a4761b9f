/**
 * A real Redis for the Node suites (the Upstash gateway's tests): the one at REDIS_URL or
 * 127.0.0.1:6379, else one started for this run and stopped after it.
 */
import type { TestProject } from "vitest/node";
import { redisForTests } from "../../scripts/redis-server.ts";

export default async function setup(project: TestProject) {
  const redis = await redisForTests();
  project.provide("redisUrl", redis.url);
  return () => redis.stop();
}
