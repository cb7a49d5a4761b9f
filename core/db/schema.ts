/**
 * Drizzle's view of the D1 schema. migrations/ is the source of truth; this file mirrors it.
 */
import { sql } from "drizzle-orm";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  username: text("username").notNull(),
  email: text("email").notNull().default(""),
  firstName: text("first_name").notNull().default(""),
  lastName: text("last_name").notNull().default(""),
  password: text("password").notNull(),
  isSuperuser: integer("is_superuser", { mode: "boolean" }).notNull().default(false),
  isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
  avatarKey: text("avatar_key"),
  dateJoined: text("date_joined").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  lastLogin: text("last_login"),
});

export const rooms = sqliteTable("rooms", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  isGroup: integer("is_group", { mode: "boolean" }).notNull(),
  dmKey: text("dm_key"),
  createdBy: integer("created_by"),
  createdAt: text("created_at").notNull(),
  lastMessageId: integer("last_message_id"),
  lastMessageAt: text("last_message_at"),
});

export const roomMembers = sqliteTable(
  "room_members",
  {
    roomId: integer("room_id").notNull(),
    userId: integer("user_id").notNull(),
    role: text("role", { enum: ["owner", "member"] })
      .notNull()
      .default("member"),
    joinedAt: text("joined_at").notNull(),
    lastReadId: integer("last_read_id").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

export const messages = sqliteTable("messages", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  roomId: integer("room_id").notNull(),
  senderId: integer("sender_id").notNull(),
  content: text("content").notNull(),
  createdAt: text("created_at").notNull(),
  editedAt: text("edited_at"),
  deletedAt: text("deleted_at"),
  clientId: text("client_id"),
});

export const refreshTokens = sqliteTable("refresh_tokens", {
  jti: text("jti").primaryKey(),
  userId: integer("user_id").notNull(),
  expiresAt: integer("expires_at").notNull(),
  revokedAt: integer("revoked_at"),
});

export const loginFailures = sqliteTable("login_failures", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStarted: integer("window_started").notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
