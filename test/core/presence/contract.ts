/**
 * The presence contract: what every presence store must do, as one suite that runs against
 * each store (embedded.test.ts, upstash.test.ts).
 */
import { expect, it } from "vitest";
import { ONLINE_WINDOW_MS, type PresenceStore } from "../../../core/presence";

/** A moment well clear of anything the stores hold from other tests. */
const T0 = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(ms).toISOString();

/** Defines the contract's tests for the store that `open` makes. */
export function presenceContract(open: () => PresenceStore) {
  // Each test has users of its own, because a file's tests share one store.
  let nextUserId = 1 + Math.floor(Math.random() * 1_000_000_000);
  const newUser = () => nextUserId++;

  it("reads a user never seen as offline, last seen never", async () => {
    const user = newUser();
    const status = await open().status([user], T0);
    expect(status.get(user)).toEqual({ is_online: false, last_seen: null });
  });

  it("reads a user as online after a heartbeat, last seen at that heartbeat", async () => {
    const user = newUser();
    const store = open();
    await store.heartbeat(user, T0);
    expect((await store.status([user], T0 + 1_000)).get(user)).toEqual({ is_online: true, last_seen: at(T0) });
  });

  it("keeps a user online while heartbeats keep coming within the window", async () => {
    const user = newUser();
    const store = open();
    await store.heartbeat(user, T0);
    await store.heartbeat(user, T0 + 30_000);
    await store.heartbeat(user, T0 + 60_000);
    const status = await store.status([user], T0 + 90_000);
    expect(status.get(user)).toEqual({ is_online: true, last_seen: at(T0 + 60_000) });
  });

  it("reads a user whose heartbeats stopped, as a crashed tab's do, as offline once the window has passed", async () => {
    const user = newUser();
    const store = open();
    await store.heartbeat(user, T0);
    expect((await store.status([user], T0 + ONLINE_WINDOW_MS - 1)).get(user)?.is_online).toBe(true);
    expect((await store.status([user], T0 + ONLINE_WINDOW_MS)).get(user)).toEqual({
      is_online: false,
      last_seen: at(T0),
    });
  });

  it("reads a user as offline at once when their last socket closes, last seen then", async () => {
    const user = newUser();
    const store = open();
    await store.heartbeat(user, T0);
    await store.offline(user, T0 + 5_000);
    expect((await store.status([user], T0 + 5_001)).get(user)).toEqual({ is_online: false, last_seen: at(T0 + 5_000) });
  });

  it("brings a user back online with a heartbeat after they went offline", async () => {
    const user = newUser();
    const store = open();
    await store.heartbeat(user, T0);
    await store.offline(user, T0 + 1_000);
    await store.heartbeat(user, T0 + 2_000);
    expect((await store.status([user], T0 + 3_000)).get(user)).toEqual({ is_online: true, last_seen: at(T0 + 2_000) });
  });

  it("never moves last seen back when word from another socket arrives late", async () => {
    const user = newUser();
    const store = open();
    await store.heartbeat(user, T0 + 10_000);
    await store.offline(user, T0 + 4_000);
    expect((await store.status([user], T0 + 11_000)).get(user)?.last_seen).toBe(at(T0 + 10_000));
  });

  it("answers for many users at once, each by their own id", async () => {
    const [online, gone, neverSeen] = [newUser(), newUser(), newUser()];
    const store = open();
    await store.heartbeat(online, T0);
    await store.heartbeat(gone, T0);
    await store.offline(gone, T0 + 500);
    const status = await store.status([online, gone, neverSeen], T0 + 1_000);
    expect([...status.entries()]).toEqual([
      [online, { is_online: true, last_seen: at(T0) }],
      [gone, { is_online: false, last_seen: at(T0 + 500) }],
      [neverSeen, { is_online: false, last_seen: null }],
    ]);
  });

  it("answers no users with an empty map", async () => {
    expect((await open().status([], T0)).size).toBe(0);
  });

  it("takes the current time when none is given", async () => {
    const user = newUser();
    const store = open();
    const before = Date.now();
    await store.heartbeat(user);
    const presence = (await store.status([user])).get(user);
    expect(presence?.is_online).toBe(true);
    expect(Date.parse(presence!.last_seen!)).toBeGreaterThanOrEqual(before);
    await store.offline(user);
    expect((await store.status([user])).get(user)?.is_online).toBe(false);
  });
}
