/** The SQL that writes a plan's part in D1, in statements D1 takes (each under its 100 KB). */
import { sqlText } from "../wrangler-d1.ts";
import type { MessageBlock, NewRoom, NewUser } from "./records.ts";

const sqlValue = (value: string | number | boolean | null) =>
  value === null
    ? "NULL"
    : typeof value === "string"
      ? sqlText(value)
      : typeof value === "boolean"
        ? String(Number(value))
        : String(value);
const sqlRow = (values: (string | number | boolean | null)[]) => `(${values.map(sqlValue).join(", ")})`;

/** Rows in one statement at most: D1 refuses statements over 100 KB. */
const ROWS_PER_STATEMENT = 100;

/**
 * The users' INSERTs. Plain INSERTs, not OR IGNORE: if someone took an id or a username
 * since the plan was made, the whole batch fails and nothing is half-written.
 */
export function userStatements(users: NewUser[]): string[] {
  return users.map(
    (user) =>
      `INSERT INTO users (id, username, email, first_name, last_name, password, is_superuser, is_active, avatar_key, date_joined, last_login) VALUES ${sqlRow(
        [
          user.id,
          user.username,
          user.email,
          user.firstName,
          user.lastName,
          user.password,
          user.isSuperuser,
          user.isActive,
          user.avatar?.key ?? null,
          user.dateJoined,
          user.lastLogin,
        ],
      )}`,
  );
}

/**
 * A room's row, without members: it claims the room's id (and a DM's pair), while nobody
 * can see it yet. A plain INSERT: if the id was taken since the plan was made, the batch
 * fails before anything goes into the room's object. None for a room claimed by an import
 * that stopped half-way.
 */
export function roomStatements(room: NewRoom): string[] {
  if (room.claimed) return [];
  const open = room.isOpen === undefined ? "" : ", is_open";
  const values = [room.id, room.title, room.isGroup, room.dmKey, room.createdBy, room.createdAt];
  if (room.isOpen !== undefined) values.push(room.isOpen);
  return [`INSERT INTO rooms (id, title, is_group, dm_key, created_by, created_at${open}) VALUES ${sqlRow(values)}`];
}

/** A room's members, who see it from then on; one there already (a DM the pair opened meanwhile) is kept. */
export function memberStatements(room: NewRoom): string[] {
  const statements: string[] = [];
  for (let i = 0; i < room.members.length; i += ROWS_PER_STATEMENT) {
    const rows = room.members
      .slice(i, i + ROWS_PER_STATEMENT)
      .map((member) => sqlRow([room.id, member.userId, member.role, room.createdAt]));
    statements.push(
      `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING`,
    );
  }
  return statements;
}

/**
 * The blocks of the imported ids, so messages/{id}/ finds their rooms and no room is handed
 * those ids again. A run that stopped half-way recorded the same blocks already: kept.
 */
export function blockStatements(blocks: MessageBlock[]): string[] {
  const statements: string[] = [];
  for (let i = 0; i < blocks.length; i += ROWS_PER_STATEMENT) {
    const rows = blocks.slice(i, i + ROWS_PER_STATEMENT).map((b) => sqlRow([b.firstId, b.endId, b.roomId]));
    statements.push(
      `INSERT INTO message_blocks (first_id, end_id, room_id) VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING`,
    );
  }
  return statements;
}
