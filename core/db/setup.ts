/**
 * First-run setup: the first administrator and the "General" room everyone joins, made in
 * one transaction that does nothing once any user exists, so two racing setups make one.
 */
import { eq, sql } from "drizzle-orm";
import { type Database, now } from ".";
import { joinDefaultRoomsStatement } from "./rooms";
import { roomMembers, rooms, type UserRow, users } from "./schema";
import { type NewUserRow, newUserColumns } from "./users";

/** The room first-run setup makes: open, and joined by every new user. */
export const FIRST_ROOM_TITLE = "General";

/** Whether the installation has no user yet, so the page offers setup. */
export async function setupNeeded(db: Database): Promise<boolean> {
  const anyone = await db.select({ id: users.id }).from(users).limit(1).get();
  return anyone === undefined;
}

/**
 * Makes the first administrator and General, owned by them; answers undefined when a user
 * existed already. Every statement after the first names the admin by their fresh password
 * hash, which matches nobody when the first insert was skipped.
 */
export async function createFirstAdmin(db: Database, values: NewUserRow): Promise<UserRow | undefined> {
  const at = now();
  const [, , , , [admin]] = await db.batch([
    db.insert(users).select(sql`SELECT ${newUserColumns(values, true)} WHERE NOT EXISTS (SELECT 1 FROM users)`),
    db.insert(rooms).select(sql`SELECT NULL, ${FIRST_ROOM_TITLE}, 1, NULL, u.id, ${at}, 1, 1, NULL FROM users u
        WHERE u.password = ${values.password}`),
    db.insert(roomMembers).select(sql`SELECT r.id, u.id, 'owner', ${at}, NULL, 0 FROM rooms r
      JOIN users u ON r.created_by = u.id WHERE u.password = ${values.password}`),
    joinDefaultRoomsStatement(db, values.password),
    db.select().from(users).where(eq(users.password, values.password)),
  ]);
  return admin;
}
