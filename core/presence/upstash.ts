/**
 * Presence in Upstash Redis, in two sorted sets of user id -> milliseconds:
 *   presence:heartbeat  the latest heartbeat of each user with a socket open; `offline`
 *                       removes the user, and entries older than the window are pruned
 *   presence:last_seen  the latest moment each user was seen; it never moves back
 */
import { Redis } from "@upstash/redis/cloudflare";
import { ONLINE_WINDOW_MS, type PresenceStore, presenceAt, type UserPresence } from "./store";

/** Presence must not hold up chat: a slow Upstash is a failed Upstash. */
const REQUEST_TIMEOUT_MS = 2_000;

export type UpstashOptions = {
  url: string;
  token: string;
  /** Prepended to every key, so several deployments (or test runs) can share one database. */
  keyPrefix?: string;
};

export class UpstashPresence implements PresenceStore {
  #redis: Redis;
  #heartbeats: string;
  #lastSeen: string;

  constructor({ url, token, keyPrefix = "" }: UpstashOptions) {
    this.#redis = new Redis({
      url,
      token,
      // One quick retry for a blip; the timeout bounds both attempts together.
      retry: { retries: 1, backoff: () => 100 },
      signal: () => AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      enableTelemetry: false,
    });
    this.#heartbeats = `${keyPrefix}presence:heartbeat`;
    this.#lastSeen = `${keyPrefix}presence:last_seen`;
  }

  async heartbeat(userId: number, nowMs = Date.now()): Promise<void> {
    const member = String(userId);
    await this.#redis
      .multi()
      .zadd(this.#heartbeats, { score: nowMs, member })
      .zadd(this.#lastSeen, { gt: true }, { score: nowMs, member })
      // Keeps the set to the users online now; crashed tabs leave entries behind otherwise.
      .zremrangebyscore(this.#heartbeats, "-inf", nowMs - ONLINE_WINDOW_MS)
      .exec();
  }

  async offline(userId: number, nowMs = Date.now()): Promise<void> {
    const member = String(userId);
    await this.#redis
      .multi()
      .zrem(this.#heartbeats, member)
      .zadd(this.#lastSeen, { gt: true }, { score: nowMs, member })
      .exec();
  }

  async status(userIds: readonly number[], nowMs = Date.now()): Promise<Map<number, UserPresence>> {
    if (userIds.length === 0) return new Map();
    const members = userIds.map(String);
    const [heartbeats, lastSeen] = await this.#redis
      .pipeline()
      .zmscore(this.#heartbeats, members)
      .zmscore(this.#lastSeen, members)
      .exec<[(number | null)[], (number | null)[]]>();
    return new Map(userIds.map((id, i) => [id, presenceAt(heartbeats[i], lastSeen[i], nowMs)]));
  }
}
