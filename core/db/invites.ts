/**
 * Invite links as D1 keeps them: by the SHA-256 of their code, never the code. Accepting
 * one makes the account, puts it in the default rooms and spends a use in one transaction,
 * so a link with one use left makes one account however many accept it at once.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { type Database, now } from ".";
import { invitedPassword } from "./invited-password";
import { joinDefaultRoomsStatement } from "./rooms";
import { type InviteRow, invites, type UserRow, users } from "./schema";
import { type NewUserRow, newUserColumns } from "./users";

export { invitedPassword };

/** The account an invite opens, if it opens one rather than making one. */
export async function invitedAccount(db: Database, codeHash: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(eq(users.password, invitedPassword(codeHash)))
    .get();
}

/**
 * Gives the account the invite opens its username, password, and the names and email given, if the
 * invite is still usable at the moment of writing, spending its use; undefined when it was
 * not, or when the account was opened meanwhile.
 */
export async function openInvitedAccount(
  db: Database,
  codeHash: string,
  id: number,
  values: NewUserRow,
): Promise<UserRow | undefined> {
  const at = now();
  const usable = sql`EXISTS (SELECT 1 FROM invites WHERE code_hash = ${codeHash} AND revoked_at IS NULL
    AND expires_at > ${at} AND (uses_left IS NULL OR uses_left > 0))`;
  const opened = sql`EXISTS (SELECT 1 FROM users WHERE id = ${id} AND password = ${values.password})`;
  const [, , [user]] = await db.batch([
    db
      .update(users)
      // What the form left empty stays as the import had it.
      .set(Object.fromEntries(Object.entries(values).filter(([, value]) => value !== "")))
      .where(and(eq(users.id, id), eq(users.password, invitedPassword(codeHash)), usable)),
    db
      .update(invites)
      .set({ usesLeft: sql`${invites.usesLeft} - 1` })
      .where(and(eq(invites.codeHash, codeHash), sql`${invites.usesLeft} IS NOT NULL AND ${opened}`)),
    db
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.password, values.password))),
  ]);
  return user;
}

/** Why an invite cannot be used, or "usable". */
export type InviteState = "usable" | "revoked" | "expired" | "used_up";

export function inviteState(invite: InviteRow, at = now()): InviteState {
  if (invite.revokedAt !== null) return "revoked";
  if (invite.expiresAt <= at) return "expired";
  if (invite.usesLeft !== null && invite.usesLeft <= 0) return "used_up";
  return "usable";
}

export async function createInvite(
  db: Database,
  invite: Pick<InviteRow, "codeHash" | "createdBy" | "expiresAt" | "usesLeft">,
): Promise<InviteRow> {
  const [created] = await db
    .insert(invites)
    .values({ ...invite, createdAt: now() })
    .returning();
  return created;
}

/** One invite by the hash of its code: the one query a presented code costs. */
export async function findInvite(db: Database, codeHash: string): Promise<InviteRow | undefined> {
  return db.select().from(invites).where(eq(invites.codeHash, codeHash)).get();
}

/** Invites not revoked, the newest first: one creator's, or everyone's. */
export async function listInvites(db: Database, createdBy: number | undefined): Promise<InviteRow[]> {
  return db
    .select()
    .from(invites)
    .where(and(isNull(invites.revokedAt), createdBy === undefined ? undefined : eq(invites.createdBy, createdBy)))
    .orderBy(desc(invites.createdAt));
}

export async function revokeInvite(db: Database, codeHash: string): Promise<void> {
  await db.update(invites).set({ revokedAt: now() }).where(eq(invites.codeHash, codeHash));
}

/**
 * Makes the invited account if the invite is still usable at the moment of writing;
 * undefined when it was not (revoked, expired or used up meanwhile). The later statements
 * name the new user by their fresh password hash, which matches nobody if none was made.
 */
export async function acceptInvite(db: Database, codeHash: string, values: NewUserRow): Promise<UserRow | undefined> {
  const at = now();
  const usable = sql`EXISTS (SELECT 1 FROM invites WHERE code_hash = ${codeHash} AND revoked_at IS NULL
    AND expires_at > ${at} AND (uses_left IS NULL OR uses_left > 0))`;
  const made = sql`EXISTS (SELECT 1 FROM users WHERE password = ${values.password})`;
  const [, , , [user]] = await db.batch([
    db.insert(users).select(sql`SELECT ${newUserColumns(values, false)} WHERE ${usable}`),
    joinDefaultRoomsStatement(db, values.password),
    db
      .update(invites)
      .set({ usesLeft: sql`${invites.usesLeft} - 1` })
      .where(and(eq(invites.codeHash, codeHash), sql`${invites.usesLeft} IS NOT NULL AND ${made}`)),
    db.select().from(users).where(eq(users.password, values.password)),
  ]);
  return user;
}
