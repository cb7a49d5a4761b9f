/**
 * Bot users as D1 keeps them: a user row marked is_bot (so profiles and answers show it)
 * and a bots row with the SHA-256 of its key and its webhook. A bot has no password anyone
 * knows and joins no default room: it is added to the rooms it serves.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { type Database, now } from ".";
import { type BotRow, bots, roomMembers, rooms, type UserRow, users } from "./schema";

/** Django's mark of an unusable password: no password ever matches it. */
const NO_PASSWORD = "!";

export type NewBot = { username: string; firstName: string; lastName: string; webhookUrl: string | null };
export type Bot = { user: UserRow; bot: BotRow };

/** Makes the bot's user and its key in one transaction; a username taken meanwhile fails as identityConflict reads it. */
export async function createBot(db: Database, values: NewBot, keyHash: string, createdBy: number): Promise<Bot> {
  const [[user], [bot]] = await db.batch([
    db
      .insert(users)
      .values({
        username: values.username,
        firstName: values.firstName,
        lastName: values.lastName,
        password: NO_PASSWORD,
        isBot: true,
        dateJoined: now(),
      })
      .returning(),
    db
      .insert(bots)
      .select(
        sql`SELECT id, ${keyHash}, ${values.webhookUrl}, ${createdBy}, ${now()} FROM users WHERE username = ${values.username} COLLATE NOCASE`,
      )
      .returning(),
  ]);
  return { user, bot };
}

/** Every bot, the oldest first. */
export async function listBots(db: Database): Promise<Bot[]> {
  return db
    .select({ user: users, bot: bots })
    .from(bots)
    .innerJoin(users, eq(users.id, bots.userId))
    .orderBy(asc(bots.userId));
}

export async function findBot(db: Database, userId: number): Promise<Bot | undefined> {
  return db
    .select({ user: users, bot: bots })
    .from(bots)
    .innerJoin(users, eq(users.id, bots.userId))
    .where(eq(bots.userId, userId))
    .get();
}

/** The active bot a key (by its hash) belongs to: the one query a bot's post costs before its room. */
export async function findBotByKey(db: Database, keyHash: string): Promise<UserRow | undefined> {
  const row = await db
    .select({ user: users })
    .from(bots)
    .innerJoin(users, eq(users.id, bots.userId))
    .where(and(eq(bots.keyHash, keyHash), eq(users.isActive, true)))
    .get();
  return row?.user;
}

/** Replaces a bot's key: the old one stops working at once. */
export async function setBotKey(db: Database, userId: number, keyHash: string): Promise<void> {
  await db.update(bots).set({ keyHash }).where(eq(bots.userId, userId));
}

/** The statement that revokes a bot's key, for the batch that deactivates it (no row for a person). */
export const revokeBotKeyStatement = (db: Database, userId: number) =>
  db.update(bots).set({ keyHash: null }).where(eq(bots.userId, userId));

/**
 * What a webhook delivery needs to know, in one round trip: the bot's hook (if it is an
 * active bot with a webhook and still in the room), the room, and the message's sender.
 */
export async function webhookFacts(db: Database, botId: number, roomId: number, senderId: number) {
  const [[hook], [room], [sender]] = await db.batch([
    db
      .select({ username: users.username, webhookUrl: bots.webhookUrl, keyHash: bots.keyHash })
      .from(bots)
      .innerJoin(users, eq(users.id, bots.userId))
      .innerJoin(roomMembers, and(eq(roomMembers.userId, bots.userId), eq(roomMembers.roomId, roomId)))
      .where(and(eq(bots.userId, botId), eq(users.isActive, true))),
    db.select({ title: rooms.title, isGroup: rooms.isGroup }).from(rooms).where(eq(rooms.id, roomId)),
    db.select().from(users).where(eq(users.id, senderId)),
  ]);
  if (!hook?.webhookUrl || !hook.keyHash || !room || !sender) return undefined;
  return { hook: { ...hook, webhookUrl: hook.webhookUrl, keyHash: hook.keyHash }, room, sender };
}

/** Whether a user is a bot with a webhook, for an inbox deciding whether its news may need one. */
export async function hasWebhook(db: Database, userId: number): Promise<boolean> {
  const row = await db.select({ url: bots.webhookUrl }).from(bots).where(eq(bots.userId, userId)).get();
  return !!row?.url;
}
