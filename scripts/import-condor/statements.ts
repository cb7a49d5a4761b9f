/** The SQL that writes a plan, in statements D1 takes (each under its 100 KB). */
import { sqlText } from "../wrangler-d1.ts";
import type { NewRoom, NewUser } from "./records.ts";

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
/** SQL in one statement at most, under D1's 100 KB with room for the INSERT itself. */
const STATEMENT_BYTES = 90_000;

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

/** One room's INSERTs: the room, its members (read up to its last message), its messages. */
export function roomStatements(room: NewRoom): string[] {
  const last = room.messages.at(-1);
  const statements = [
    `INSERT INTO rooms (id, title, is_group, dm_key, created_by, created_at, last_message_id, last_message_at) VALUES ${sqlRow(
      [
        room.id,
        room.title,
        room.isGroup,
        room.dmKey,
        room.createdBy,
        room.createdAt,
        last?.id ?? null,
        last?.createdAt ?? null,
      ],
    )}`,
  ];
  for (let i = 0; i < room.members.length; i += ROWS_PER_STATEMENT) {
    const rows = room.members
      .slice(i, i + ROWS_PER_STATEMENT)
      .map((member) => sqlRow([room.id, member.userId, member.role, room.createdAt, last?.id ?? 0]));
    statements.push(
      `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_id) VALUES ${rows.join(", ")}`,
    );
  }
  // As many messages a statement as fit: a 4,000-character message can take 30 KB as SQL.
  const messageRows = room.messages.map((message) =>
    sqlRow([message.id, room.id, message.senderId, message.content, message.createdAt]),
  );
  for (let start = 0; start < messageRows.length; ) {
    let end = start + 1;
    let bytes = messageRows[start].length;
    while (end < messageRows.length && bytes + messageRows[end].length + 2 <= STATEMENT_BYTES)
      bytes += messageRows[end++].length + 2;
    statements.push(
      `INSERT INTO messages (id, room_id, sender_id, content, created_at) VALUES ${messageRows.slice(start, end).join(", ")}`,
    );
    start = end;
  }
  return statements;
}
