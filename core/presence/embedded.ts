/**
 * Presence in the embedded Presence Durable Object: the store when no Upstash is configured.
 */
import type { Presence } from "../../durable/presence";
import { type PresenceStore, presenceAt, type UserPresence } from "./store";

export class EmbeddedPresence implements PresenceStore {
  #object: DurableObjectStub<Presence>;

  constructor(namespace: DurableObjectNamespace<Presence>) {
    // One object keeps everyone's presence; see durable/presence.ts for why that is enough.
    this.#object = namespace.get(namespace.idFromName("presence"));
  }

  async heartbeat(userId: number, nowMs = Date.now()): Promise<void> {
    await this.#object.heartbeat(userId, nowMs);
  }

  async offline(userId: number, nowMs = Date.now()): Promise<void> {
    await this.#object.offline(userId, nowMs);
  }

  async status(userIds: readonly number[], nowMs = Date.now()): Promise<Map<number, UserPresence>> {
    if (userIds.length === 0) return new Map();
    const seen = new Map((await this.#object.seen([...userIds])).map((row) => [row.userId, row]));
    return new Map(
      userIds.map((id) => [id, presenceAt(seen.get(id)?.heartbeatMs ?? null, seen.get(id)?.lastSeenMs ?? null, nowMs)]),
    );
  }
}
