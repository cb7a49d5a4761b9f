/**
 * What every presence store promises, and the one rule by which presence is read.
 */

/** How long a heartbeat keeps its user online. */
export const ONLINE_WINDOW_MS = 60_000;
/** How often an open socket's user should be heartbeated: twice per window, so one lost beat is harmless. */
export const HEARTBEAT_EVERY_MS = ONLINE_WINDOW_MS / 2;

/** A user's presence as user listings show it; `null` means the store could not tell. */
export type UserPresence = { is_online: boolean | null; last_seen: string | null };

export interface PresenceStore {
  /** One of the user's sockets is still open at `nowMs`. */
  heartbeat(userId: number, nowMs?: number): Promise<void>;
  /** The user's last socket closed at `nowMs`. */
  offline(userId: number, nowMs?: number): Promise<void>;
  /** Presence of each of the users, keyed by id; users never seen are offline, last seen never. */
  status(userIds: readonly number[], nowMs?: number): Promise<Map<number, UserPresence>>;
}

export const UNKNOWN_PRESENCE: UserPresence = { is_online: null, last_seen: null };

/**
 * The one rule every store reads presence by: online while the latest heartbeat is within
 * the window; `offline` clears the heartbeat, so it ends presence at once.
 */
export function presenceAt(heartbeatMs: number | null, lastSeenMs: number | null, nowMs: number): UserPresence {
  return {
    is_online: heartbeatMs !== null && nowMs - heartbeatMs < ONLINE_WINDOW_MS,
    last_seen: lastSeenMs === null ? null : new Date(lastSeenMs).toISOString(),
  };
}
