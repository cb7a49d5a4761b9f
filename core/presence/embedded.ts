/**
 * Presence in the embedded Presence Durable Object: the store when no Upstash is configured.
 */
import { type PresenceStore, presenceAt, type UserPresence } from "./store";

/** What the object knows of one user; times are milliseconds since the epoch. */
export type SeenRow = { userId: number; heartbeatMs: number | null; lastSeenMs: number };

/**
 * The RPC surface of the Presence object (durable/presence.ts implements it), declared here
 * so the core depends on what it calls, not on the object.
 */
export interface PresenceObject extends Rpc.DurableObjectBranded {
  heartbeat(userId: number, nowMs: number): void;
  offline(userId: number, nowMs: number): void;
  /** What is known of the users asked about; users never seen are left out. */
  seen(userIds: number[]): SeenRow[];
}

export class EmbeddedPresence implements PresenceStore {
  #object: DurableObjectStub<PresenceObject>;

  /** Any namespace whose objects answer as PresenceObject: in the worker, env.PRESENCE. */
  constructor(namespace: {
    idFromName(name: string): DurableObjectId;
    get(id: DurableObjectId): DurableObjectStub<PresenceObject>;
  }) {
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
