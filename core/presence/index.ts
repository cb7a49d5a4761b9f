/**
 * Presence: who is online now, and when each user was last seen.
 *
 * A user is online while any socket of theirs is open. Whoever holds a user's sockets sends
 * a heartbeat at least every HEARTBEAT_EVERY_MS while one is open, and says `offline` when
 * the last one closes. A user whose latest heartbeat is older than ONLINE_WINDOW_MS reads as
 * offline even though nobody said so: that is how a crashed tab goes offline within a minute.
 *
 * Two stores keep it: Upstash Redis when UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN
 * are set, otherwise the embedded Presence Durable Object (the local default). Presence is
 * never worth breaking chat for: when a store fails, heartbeats are dropped with a warning
 * and everyone's presence reads as unknown (`is_online: null`).
 */
import { EmbeddedPresence } from "./embedded";
import { type PresenceStore, UNKNOWN_PRESENCE } from "./store";
import { UpstashPresence } from "./upstash";

export * from "./store";

const upstashStores = new Map<string, PresenceStore>();

/** The presence store this deployment is configured for, made safe for chat to call. */
export function presenceStore(env: Env): PresenceStore {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (url && token) {
    // One client a configuration: making one was a sixth of a user answer's presence read.
    const key = JSON.stringify([url, token]);
    let store = upstashStores.get(key);
    if (!store) {
      store = failSoft("Upstash", () => new UpstashPresence({ url, token }));
      upstashStores.set(key, store);
    }
    return store;
  }
  return failSoft("the embedded store", () => new EmbeddedPresence(env.PRESENCE));
}

/**
 * Wraps a store so that no failure reaches the caller: a write is dropped with a warning,
 * a read answers unknown. The store is opened on first use, so a bad configuration (a
 * malformed URL) fails here too rather than where presence is wired in.
 */
export function failSoft(name: string, open: () => PresenceStore): PresenceStore {
  let store: PresenceStore | undefined;
  async function attempt<T>(what: string, use: (store: PresenceStore) => Promise<T>, fallback: T): Promise<T> {
    try {
      store ??= open();
      return await use(store);
    } catch (error) {
      console.warn(`Presence in ${name} failed (${what}); carrying on without it:`, error);
      return fallback;
    }
  }
  return {
    heartbeat: (userId, nowMs) => attempt(`heartbeat of user ${userId}`, (s) => s.heartbeat(userId, nowMs), undefined),
    offline: (userId, nowMs) => attempt(`user ${userId} going offline`, (s) => s.offline(userId, nowMs), undefined),
    status: (userIds, nowMs) =>
      attempt("reading status", (s) => s.status(userIds, nowMs), new Map(userIds.map((id) => [id, UNKNOWN_PRESENCE]))),
  };
}
