/** Push subscriptions and what deciding a push needs of D1: the member's level, the room, the sender. */
import { and, count, eq, inArray } from "drizzle-orm";
import type { NotifyLevel } from "../notify";
import type { PushTarget } from "../web-push";
import { type Database, now } from ".";
import { type PushSubscriptionRow, pushSubscriptions, roomMembers, rooms, users } from "./schema";

/** Most browsers one user may subscribe; a new one past it replaces the oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/** Binds a browser's subscription to the user: a browser that was someone else's is theirs now (one per endpoint). */
export async function saveSubscription(db: Database, userId: number, target: PushTarget): Promise<void> {
  const values = { userId, p256dh: target.keys.p256dh, auth: target.keys.auth, createdAt: now() };
  await db
    .insert(pushSubscriptions)
    .values({ endpoint: target.endpoint, ...values })
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: values });
  const [{ n }] = await db.select({ n: count() }).from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  if (n <= MAX_SUBSCRIPTIONS_PER_USER) return;
  const oldest = await db
    .select({ endpoint: pushSubscriptions.endpoint })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, userId))
    .orderBy(pushSubscriptions.createdAt)
    .limit(n - MAX_SUBSCRIPTIONS_PER_USER);
  await dropSubscriptions(
    db,
    oldest.map((row) => row.endpoint),
  );
}

/** Removes one of the user's subscriptions; false when they had none at that endpoint. */
export async function removeSubscription(db: Database, userId: number, endpoint: string): Promise<boolean> {
  const gone = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.endpoint, endpoint), eq(pushSubscriptions.userId, userId)))
    .returning({ endpoint: pushSubscriptions.endpoint });
  return gone.length > 0;
}

/** Subscriptions the push service said are gone (404/410). */
export async function dropSubscriptions(db: Database, endpoints: string[]): Promise<void> {
  if (endpoints.length > 0) await db.delete(pushSubscriptions).where(inArray(pushSubscriptions.endpoint, endpoints));
}

export async function subscriptionsOf(db: Database, userId: number): Promise<PushSubscriptionRow[]> {
  return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
}

/** Sets a member's level and whether the room is hidden; false when they are not a member. */
export async function changeMembership(
  db: Database,
  roomId: number,
  userId: number,
  changes: { notify?: NotifyLevel | null; hidden?: boolean },
): Promise<boolean> {
  const where = and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId));
  if (changes.notify === undefined && changes.hidden === undefined) {
    return (await db.select({ roomId: roomMembers.roomId }).from(roomMembers).where(where)).length > 0;
  }
  const changed = await db.update(roomMembers).set(changes).where(where).returning({ roomId: roomMembers.roomId });
  return changed.length > 0;
}

/** Each of the user's memberships: their level as chosen (null: the default) and whether hidden. */
export async function membershipsOf(
  db: Database,
  userId: number,
): Promise<Map<number, { notify: NotifyLevel | null; hidden: boolean }>> {
  const rows = await db
    .select({ roomId: roomMembers.roomId, notify: roomMembers.notify, hidden: roomMembers.hidden })
    .from(roomMembers)
    .where(eq(roomMembers.userId, userId));
  return new Map(rows.map(({ roomId, ...rest }) => [roomId, rest]));
}

/** A mention brings a hidden room back into the list. */
export async function unhide(db: Database, roomId: number, userId: number): Promise<void> {
  await db
    .update(roomMembers)
    .set({ hidden: false })
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.hidden, true)));
}

/** What a push to this member needs, in one round trip; undefined when they are no longer a member. */
export async function pushFacts(db: Database, roomId: number, userId: number, senderIds: number[]) {
  const [[member], [user], senders, subscriptions] = await db.batch([
    db
      .select({ notify: roomMembers.notify, isGroup: rooms.isGroup })
      .from(roomMembers)
      .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId))),
    db.select({ dndUntil: users.dndUntil }).from(users).where(eq(users.id, userId)),
    db
      .select({ id: users.id, username: users.username, firstName: users.firstName, lastName: users.lastName })
      .from(users)
      .where(inArray(users.id, senderIds)),
    db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId)),
  ]);
  if (!member || !user) return undefined;
  return { ...member, dndUntil: user.dndUntil, senders, subscriptions };
}
