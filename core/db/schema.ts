/**
 * The D1 schema, the one source of it: `npx drizzle-kit generate` writes the migration for
 * a change here into migrations/, and npm test fails while the two disagree. 0001 and 0002
 * were written by hand before that; migrations/meta/ holds drizzle-kit's snapshots of them.
 *
 * One difference the snapshots cannot show: 0001 made users.username and rooms.dm_key
 * unique in the column, so SQLite's own index (sqlite_autoindex_…) enforces it, not the
 * <table>_<column>_unique index drizzle-kit believes in. A migration that drops either
 * uniqueness must rebuild the table rather than drop that index.
 */
import { sql } from "drizzle-orm";
import { check, customType, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { AUDIT_ACTIONS, JURISDICTIONS } from "../protocol-constants";

/** Text compared without case, as usernames are: "Ann" and "ann" are one user. */
const textNoCase = customType<{ data: string; driverData: string }>({ dataType: () => "text COLLATE NOCASE" });

// Users keep the original's integer ids and Django's password encoding, so an installation
// of the original can move over.
export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: textNoCase("username").notNull().unique(),
    email: text("email").notNull().default(""),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    password: text("password").notNull(),
    isSuperuser: integer("is_superuser", { mode: "boolean" }).notNull().default(false),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    avatarKey: text("avatar_key"),
    dateJoined: text("date_joined").notNull(),
    lastLogin: text("last_login"),
    // Do not disturb: no push until this ISO time; null when off.
    dndUntil: text("dnd_until"),
    // A bot posts with its key (the bots table) and never signs in.
    isBot: integer("is_bot", { mode: "boolean" }).notNull().default(false),
    // A status as Slack's: one emoji and a short text, until an ISO time (null: until cleared).
    statusEmoji: text("status_emoji"),
    statusText: text("status_text"),
    statusUntil: text("status_until"),
  },
  // The original allowed many users without an email; an email that is given is unique.
  (t) => [uniqueIndex("users_email_unique").on(sql`lower(${t.email})`).where(sql`${t.email} <> ''`)],
);

export const rooms = sqliteTable("rooms", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  isGroup: integer("is_group", { mode: "boolean" }).notNull(),
  // "lowId:highId" for a DM: the unique index makes one DM per pair whatever the race.
  dmKey: text("dm_key").unique(),
  createdBy: integer("created_by").references(() => users.id),
  createdAt: text("created_at").notNull(),
  // An open room is listed to everyone and anyone joins it; a closed one is by invitation.
  isOpen: integer("is_open", { mode: "boolean" }).notNull().default(false),
  // Every new user joins the default rooms (first-run setup makes "General" one).
  isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
  // Where the room's object lives (its messages with it); null for anywhere. Set once, at creation.
  jurisdiction: text("jurisdiction", { enum: JURISDICTIONS }),
});

export const roomMembers = sqliteTable(
  "room_members",
  {
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ["owner", "member"] })
      .notNull()
      .default("member"),
    joinedAt: text("joined_at").notNull(),
    // Null is the default for the room's kind (NOTIFY_DEFAULTS in core/notify.ts), so a
    // change of default reaches everyone who never chose.
    notify: text("notify", { enum: ["everything", "mentions", "nothing"] }),
    // Out of the room list until a mention or the user opens the room again.
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index("room_members_by_user").on(t.userId)],
);

// Refresh tokens are rotated: each use revokes the old one; logout revokes it too.
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    jti: text("jti").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("refresh_tokens_by_user").on(t.userId)],
);

// Web Push subscriptions: one per browser (its endpoint), bound to the user who made it.
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    endpoint: text("endpoint").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("push_subscriptions_by_user").on(t.userId)],
);

// Failed sign-ins per username and per address, in fixed windows.
export const loginFailures = sqliteTable("login_failures", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStarted: integer("window_started").notNull(),
});

// Message ids are handed out in blocks to the rooms' objects, which number their messages
// themselves and copy them here just after (see durable/room/). This one row is the next
// id no block had when blocks were not yet recorded (migrations 0002 to 0003); a new block
// starts past it and past every block in message_blocks (reserveMessageIds in
// core/db/messages.ts), so no two messages can ever be given the same id.
export const messageIds = sqliteTable(
  "message_ids",
  {
    only: integer("only").primaryKey(),
    next: integer("next").notNull(),
  },
  (t) => [check("message_ids_only", sql`${t.only} = 1`)],
);

// Which room each block of ids went to, so a message is found by its id alone: its text
// lives only in its room's object.
// The highest end_id is where the next block starts; a deleted room's blocks lead nowhere.
export const messageBlocks = sqliteTable("message_blocks", {
  firstId: integer("first_id").primaryKey(),
  endId: integer("end_id").notNull(),
  roomId: integer("room_id").notNull(),
});

// Invite links: only the SHA-256 of a code is kept, so a read of this table gives nobody a
// live code. `uses_left` null is unlimited.
export const invites = sqliteTable(
  "invites",
  {
    codeHash: text("code_hash").primaryKey(),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    usesLeft: integer("uses_left"),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("invites_by_creator").on(t.createdBy)],
);

// What superusers did to others: a message removed, an account deactivated. Newest first by id.
export const auditEntries = sqliteTable(
  "audit_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actorId: integer("actor_id")
      .notNull()
      .references(() => users.id),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    // Whose message or account it was.
    targetUserId: integer("target_user_id").references(() => users.id),
    roomId: integer("room_id"),
    messageId: integer("message_id"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("audit_entries_by_target").on(t.targetUserId)],
);

// Bot users' keys: only the SHA-256 of a key is kept; null once revoked (a deactivation).
export const bots = sqliteTable(
  "bots",
  {
    userId: integer("user_id")
      .primaryKey()
      .references(() => users.id),
    keyHash: text("key_hash"),
    webhookUrl: text("webhook_url"),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at").notNull(),
  },
  // A post is one lookup by its key's hash.
  (t) => [uniqueIndex("bots_key_hash_unique").on(t.keyHash)],
);

export type UserRow = typeof users.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
/** What reaching a room's object takes: its id, and the jurisdiction it was created in. */
export type RoomAddress = Pick<RoomRow, "id" | "jurisdiction">;
export type AuditEntryRow = typeof auditEntries.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type BotRow = typeof bots.$inferSelect;
export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
export type LoginFailureRow = typeof loginFailures.$inferSelect;
