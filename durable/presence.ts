/**
 * The embedded presence store: one Durable Object for the whole service, keeping each
 * user's latest heartbeat and last-seen time in its own SQLite.
 *
 * It serves when no Upstash is configured, which is the local default. One object is
 * plenty there, and for a team's deployment too: a heartbeat per open socket every 30 s is
 * a small fraction of what one object can write. Past that, configure Upstash, which is what
 * the design chose for presence at scale. The online rule itself lives in core/presence.
 */
import { DurableObject } from "cloudflare:workers";
import type { PresenceObject, SeenRow } from "../core/presence/embedded";

export class Presence extends DurableObject<Env> implements PresenceObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // heartbeat_at is null once the user's last socket has closed.
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS presence (
      user_id INTEGER PRIMARY KEY,
      heartbeat_at INTEGER,
      last_seen_at INTEGER NOT NULL
    )`);
  }

  heartbeat(userId: number, nowMs: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO presence (user_id, heartbeat_at, last_seen_at) VALUES (?1, ?2, ?2)
       ON CONFLICT (user_id) DO UPDATE SET
         heartbeat_at = excluded.heartbeat_at,
         last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
      userId,
      nowMs,
    );
  }

  offline(userId: number, nowMs: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO presence (user_id, heartbeat_at, last_seen_at) VALUES (?1, NULL, ?2)
       ON CONFLICT (user_id) DO UPDATE SET
         heartbeat_at = NULL,
         last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
      userId,
      nowMs,
    );
  }

  /** What is known of the users asked about; users never seen are left out. */
  seen(userIds: number[]): SeenRow[] {
    return this.ctx.storage.sql
      .exec<{ user_id: number; heartbeat_at: number | null; last_seen_at: number }>(
        `SELECT user_id, heartbeat_at, last_seen_at FROM presence
         WHERE user_id IN (SELECT value FROM json_each(?))`,
        JSON.stringify(userIds),
      )
      .toArray()
      .map((row) => ({ userId: row.user_id, heartbeatMs: row.heartbeat_at, lastSeenMs: row.last_seen_at }));
  }
}
