/** Queries on users. */
import { type AnyColumn, and, asc, count, eq, ne, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import { type Database, now, preparedOnce } from ".";
import { revokeBotKeyStatement } from "./bots";
import { joinDefaultRoomsStatement } from "./rooms";
import { pushSubscriptions, refreshTokens, type UserRow, users } from "./schema";

// Every signed-in request reads its user.
const userById = preparedOnce((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare(),
);

export async function findUser(db: Database, id: number): Promise<UserRow | undefined> {
  return userById(db).get({ id });
}

/** Usernames are unique without regard to case, as the original's admin treated them. */
export async function findUserByUsername(db: Database, username: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(sql`${users.username} = ${username} COLLATE NOCASE`).get();
}

export async function findUsersByIds(db: Database, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(users)
    .where(sql`${users.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
}

/** A LIKE pattern for text holding `term`, its wildcards escaped so a search for "50%" looks for those characters. */
const containing = (term: string) => `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** The column matches a pattern made by `containing`, or bound to one later. */
const like = (column: SQL | AnyColumn, pattern: string | Placeholder) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;

/** The username, the first or the last name, or "first last" as a whole matches `pattern`. */
function nameLike(pattern: string | Placeholder): SQL {
  return or(
    like(users.username, pattern),
    like(users.firstName, pattern),
    like(users.lastName, pattern),
    like(sql`${users.firstName} || ' ' || ${users.lastName}`, pattern),
  )!;
}

// Every filter in one statement, a null pattern matching all: a user search is a hot route.
const available = preparedOnce((db) => {
  const [name, email] = [sql.placeholder("name"), sql.placeholder("email")];
  return db
    .select()
    .from(users)
    .where(
      and(
        ne(users.id, sql.placeholder("callerId")),
        eq(users.isActive, true),
        or(sql`${name} IS NULL`, nameLike(name)),
        or(sql`${email} IS NULL`, like(users.email, email)),
      ),
    )
    .orderBy(asc(users.id))
    .limit(sql.placeholder("limit"))
    .prepare();
});

/**
 * Everyone but the caller, as the original's get_available_users: `fullName` matches the
 * username, the first or the last name, or "first last" as a whole; `email` matches the
 * email; both case-insensitive substrings, AND-ed when both are given.
 */
export async function availableUsers(
  db: Database,
  callerId: number,
  filters: { fullName?: string; email?: string },
  limit: number,
): Promise<UserRow[]> {
  return available(db).all({
    callerId,
    name: filters.fullName ? containing(filters.fullName) : null,
    email: filters.email ? containing(filters.email) : null,
    limit,
  });
}

/** One page of users and how many there are, for the DRF-style list, narrowed to names holding `fullName` when given. */
export async function listUsers(
  db: Database,
  page: { limit: number; offset: number },
  includeInactive: boolean,
  fullName?: string,
): Promise<{ rows: UserRow[]; total: number }> {
  const where = and(
    includeInactive ? undefined : eq(users.isActive, true),
    fullName ? nameLike(containing(fullName)) : undefined,
  );
  const [rows, [{ total }]] = await db.batch([
    db.select().from(users).where(where).orderBy(asc(users.id)).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(users).where(where),
  ]);
  return { rows, total };
}

/** Which of these would collide with another user's username or email (case-insensitive). */
export async function takenIdentity(
  db: Database,
  candidate: { username?: string; email?: string },
  exceptId?: number,
): Promise<Record<string, string>> {
  const taken: Record<string, string> = {};
  const others = exceptId === undefined ? undefined : ne(users.id, exceptId);
  if (candidate.username) {
    const hit = await db
      .select({ id: users.id })
      .from(users)
      .where(and(sql`${users.username} = ${candidate.username} COLLATE NOCASE`, others))
      .get();
    if (hit) taken.username = "A user with that username already exists.";
  }
  if (candidate.email) {
    const hit = await db
      .select({ id: users.id })
      .from(users)
      .where(and(sql`lower(${users.email}) = lower(${candidate.email})`, others))
      .get();
    if (hit) taken.email = "A user with that email already exists.";
  }
  return taken;
}

/**
 * takenIdentity and the write after it are two steps, and a concurrent request can take a
 * username or email in between; the unique indexes still refuse the write. This names the
 * field such a refusal is about, so it is answered as the check would have answered it.
 */
export function identityConflict(err: unknown): Record<string, string> | undefined {
  const text = String(err instanceof Error && err.cause ? err.cause : err);
  if (!text.includes("UNIQUE constraint failed")) return undefined;
  if (text.includes("users.username")) return { username: "A user with that username already exists." };
  if (text.includes("users_email_unique")) return { email: "A user with that email already exists." };
  return undefined;
}

/** What a new user is made of; the rest (flags, dates) takes the table's defaults. */
export type NewUserRow = Pick<UserRow, "username" | "email" | "firstName" | "lastName" | "password">;

/**
 * Stores a new user, who joins the default rooms in the same transaction; a username or
 * email taken meanwhile fails as identityConflict reads it.
 */
export async function createUser(db: Database, values: NewUserRow): Promise<UserRow> {
  const [[created]] = await db.batch([
    db
      .insert(users)
      .values({ ...values, dateJoined: now() })
      .returning(),
    joinDefaultRoomsStatement(db, values.password),
  ]);
  return created;
}

/** The columns of a new user in the table's order, for an INSERT ... SELECT. */
export const newUserColumns = (values: NewUserRow, superuser: boolean) =>
  sql`NULL, ${values.username}, ${values.email}, ${values.firstName}, ${values.lastName}, ${values.password},
    ${superuser ? 1 : 0}, 1, NULL, ${now()}, NULL, NULL, 0, NULL, NULL, NULL`;

/** What a profile change may set; undefined leaves a column as it is. */
export type UserChanges = Partial<
  Pick<
    UserRow,
    | "username"
    | "email"
    | "firstName"
    | "lastName"
    | "password"
    | "isActive"
    | "isSuperuser"
    | "dndUntil"
    | "statusEmoji"
    | "statusText"
    | "statusUntil"
  >
>;

/**
 * Changes a user, and with `signOut` ends every session they have (their refresh tokens
 * go in the same batch). Answers the user as changed; at least one change is needed.
 */
export async function changeUser(
  db: Database,
  id: number,
  changes: UserChanges,
  { signOut }: { signOut: boolean },
): Promise<UserRow> {
  const update = db.update(users).set(changes).where(eq(users.id, id)).returning();
  const [[updated]] = signOut
    ? await db.batch([
        update,
        db.delete(refreshTokens).where(eq(refreshTokens.userId, id)),
        db.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, id)),
        ...(changes.isActive === false ? [revokeBotKeyStatement(db, id)] : []),
      ])
    : await db.batch([update]);
  return updated;
}

/**
 * Deactivates a user and ends every session they have (and their pushes, and a bot's key);
 * their rows (and messages) stay.
 */
export async function deactivateUser(db: Database, id: number): Promise<void> {
  await db.batch([
    db.update(users).set({ isActive: false }).where(eq(users.id, id)),
    db.delete(refreshTokens).where(eq(refreshTokens.userId, id)),
    db.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, id)),
    revokeBotKeyStatement(db, id),
  ]);
}

/** Points a user at a newly stored avatar. */
export async function setAvatarKey(db: Database, id: number, key: string): Promise<void> {
  await db.update(users).set({ avatarKey: key }).where(eq(users.id, id));
}

/**
 * The statement that records a sign-in, for the batch that issues its tokens: the time,
 * and a new hash of the password when the old one is to be replaced. Only if the hash is
 * unchanged meanwhile: a concurrent password change wins.
 */
export function signInStatement(db: Database, user: Pick<UserRow, "id" | "password">, newHash?: string) {
  return db
    .update(users)
    .set({ lastLogin: now(), ...(newHash === undefined ? {} : { password: newHash }) })
    .where(and(eq(users.id, user.id), eq(users.password, user.password)));
}
