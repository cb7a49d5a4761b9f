/**
 * The Upstash presence store against a real Redis, through the Upstash gateway that
 * test/support/upstash-gateway.global.ts starts; and chat carrying on when Upstash fails.
 */
import { env } from "cloudflare:test";
import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, afterEach, describe, expect, inject, it, vi } from "vitest";
import { presenceStore, UNKNOWN_PRESENCE } from "../../../core/presence";
import { UpstashPresence } from "../../../core/presence/upstash";
import { presenceContract } from "./contract";

const { url, token } = inject("upstashGateway");
// Keys of this run only, so runs sharing the Redis neither collide nor leave anything behind.
const keyPrefix = `condor-test:${crypto.randomUUID()}:`;

describe("Upstash presence store", () => {
  presenceContract(() => new UpstashPresence({ url, token, keyPrefix }));

  afterAll(async () => {
    const redis = new Redis({ url, token, enableTelemetry: false });
    const keys = await redis.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
  });
});

describe("presenceStore when Upstash fails", () => {
  const user = 7;
  const configured = (upstash: { url: string; token: string }) =>
    presenceStore({ ...env, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("drops heartbeats with a warning and reads presence as unknown when Upstash is unreachable", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = configured({ url: "http://127.0.0.1:1", token });
    await expect(store.heartbeat(user)).resolves.toBeUndefined();
    await expect(store.offline(user)).resolves.toBeUndefined();
    expect(await store.status([user, 8])).toEqual(
      new Map([
        [user, UNKNOWN_PRESENCE],
        [8, UNKNOWN_PRESENCE],
      ]),
    );
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it("reads presence as unknown when Upstash refuses the token", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = configured({ url, token: "not-the-token" });
    await expect(store.heartbeat(user)).resolves.toBeUndefined();
    expect((await store.status([user])).get(user)).toEqual(UNKNOWN_PRESENCE);
  });

  it("reads presence as unknown when the Upstash URL is malformed", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = configured({ url: "not a url", token });
    expect((await store.status([user])).get(user)).toEqual(UNKNOWN_PRESENCE);
  });
});
