/**
 * The import from the original condor_chat, as a plan: Django's `dumpdata` records
 * (`auth.user`, `chat.userprofile`, `chat.room`, `chat.message`) and what the database
 * already holds go in; the rows to create, what is skipped and why, and the SQL that
 * writes it come out. Nothing here reads a file or touches a database (see ./index.ts),
 * so every decision can be tested alone.
 *
 * Decisions, each reported when it applies:
 * - Ids are kept, so links, bookmarks and the original's API clients keep pointing at the
 *   same users and rooms. A record whose id or username is taken here by someone else is
 *   skipped; one already imported (same id, same username or title) is left alone, so a
 *   second run creates nothing.
 * - A message lives in one room here; Django's many-to-many allows more, so a message
 *   linked to a second room stays in the first. Order within a room is id order, which is
 *   the original's creation order.
 * - Empty messages are skipped: the API refuses them, the client shows nothing for them,
 *   and they carry nothing to read. Messages past the API's length limit are skipped too.
 * - Every member's read position is set to the room's last message: history they had in
 *   the original (which tracked no reads) must not greet them as thousands of unread.
 * - A non-group room of two is the pair's DM; any other non-group room, or a pair's second
 *   DM (the original could race into two), becomes a group so nothing is lost.
 * - The original had no room owners: a group's owner is the sender of its first message
 *   when a member, else its first participant; a DM has none, as DMs made here.
 * - Django's per-user copies of the default picture stay the default; own avatars must be
 *   JPEG, PNG, GIF or WebP by their bytes (as uploads here), else the default is kept.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { dmKey } from "../../core/db/dm-key.ts";
import { messageText } from "../../core/protocol.ts";
import { hasherOf } from "../../worker/auth/passwords.ts";
import { avatarKey, MAX_AVATAR_BYTES, sniffImage } from "../../worker/avatar-images.ts";
import { sqlText } from "../wrangler-d1.ts";

/** One record of `manage.py dumpdata` output. */
export type DjangoRecord = { model: string; pk: unknown; fields: Record<string, unknown> };

/** What the target database already holds, as far as the import can collide with it. */
export type Existing = {
  users: { id: number; username: string; email: string }[];
  rooms: { id: number; title: string; dm_key: string | null }[];
  /** Ids of messages already stored, among those the export holds. */
  messageIds: number[];
  /**
   * Message ids below this one have been handed to rooms (see reserveMessageIds), whose
   * objects may not have copied every message to D1 yet: an import must not take them.
   */
  messageIdsHandedOut: number;
};

export type NewUser = {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  isSuperuser: boolean;
  isActive: boolean;
  dateJoined: string;
  lastLogin: string | null;
  avatar?: NewAvatar;
};

/** An avatar to upload: `source` is relative to the media folder. */
export type NewAvatar = { source: string; key: string; type: string; bytes: Uint8Array };

export type NewMessage = { id: number; senderId: number; content: string; createdAt: string };

export type NewRoom = {
  id: number;
  title: string;
  isGroup: boolean;
  dmKey: string | null;
  createdBy: number | null;
  createdAt: string;
  members: { userId: number; role: "owner" | "member" }[];
  messages: NewMessage[];
};

/** A record, named as Django names it, and what happened to it. */
export type Remark = { record: string; reason: string };

export type Plan = {
  users: NewUser[];
  rooms: NewRoom[];
  /** Records not imported. */
  skipped: Remark[];
  /** Records imported with a change, or that their owners must know about. */
  notes: Remark[];
  /** Accounts whose password hash no hasher here can check: an admin must reset them. */
  mustReset: { username: string; hasher: string }[];
  /** How many records were imported by an earlier run and left alone. */
  alreadyImported: { users: number; rooms: number };
};

/** Reads a file of the media folder by its path relative to it; undefined if missing. */
export type MediaReader = (relativePath: string) => Uint8Array | undefined;

const pk = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const timestamp = z.string().transform((text, context) => {
  // Django writes UTC with a Z or an offset; without USE_TZ it writes naive local times,
  // taken here as UTC. Stored as the ISO text every timestamp column here holds.
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`;
  const time = new Date(zoned);
  if (Number.isNaN(time.getTime())) {
    context.addIssue({ code: "custom", message: `'${text}' is not a date and time` });
    return z.NEVER;
  }
  return time.toISOString();
});
const UserFields = z.object({
  username: z.string().min(1).max(150),
  password: z.string(),
  first_name: z.string().max(150).default(""),
  last_name: z.string().max(150).default(""),
  email: z.string().max(254).default(""),
  is_superuser: z.boolean().default(false),
  is_active: z.boolean().default(true),
  date_joined: timestamp,
  last_login: timestamp.nullable().default(null),
});
const ProfileFields = z.object({ user: pk, avatar: z.string().default("") });
const MessageFields = z.object({ sender: pk, content: z.string(), timestamp });
const RoomFields = z.object({
  title: z.string().max(255),
  timestamp,
  // The original's model spells it `is_goup`.
  is_goup: z.boolean().optional(),
  is_group: z.boolean().optional(),
  messages: z.array(pk).default([]),
  participants: z.array(pk).default([]),
});

/** "auth.user 3", as the export names a record. */
const nameOf = (record: DjangoRecord) => `${record.model} ${JSON.stringify(record.pk)}`;

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `unreadable (${where}${issue.message})`;
}

/** Django's copies of its default picture (`default_img.png`, `default_img_3XUNWX8.png`). */
const DEFAULT_AVATAR = /^avatar_files\/default_img(_\w+)?\.png$/;

/** Checks the records' outer shape: a JSON array of objects with a model, a pk and fields. */
export function readDump(json: string): DjangoRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`The export is not JSON: ${(error as Error).message}`);
  }
  const records = z
    .array(z.object({ model: z.string(), pk: z.unknown(), fields: z.record(z.string(), z.unknown()) }))
    .safeParse(parsed);
  if (!records.success) {
    throw new Error(
      `The export is not a list of Django records (${problemOf(records.error)}); make it with manage.py dumpdata.`,
    );
  }
  return records.data;
}

type Parsed<Fields> = { record: DjangoRecord; id: number; fields: Fields };

/** Splits the records by model, each checked; unreadable and unknown ones are skipped. */
function parseRecords(records: DjangoRecord[], skipped: Remark[]) {
  const schemas = {
    "auth.user": UserFields,
    "chat.userprofile": ProfileFields,
    "chat.message": MessageFields,
    "chat.room": RoomFields,
  } as const;
  type Model = keyof typeof schemas;
  const byModel = { "auth.user": [], "chat.userprofile": [], "chat.message": [], "chat.room": [] } as {
    [M in Model]: Parsed<z.output<(typeof schemas)[M]>>[];
  };
  const seen = new Set<string>();
  for (const record of records) {
    if (!(record.model in schemas)) {
      skipped.push({ record: nameOf(record), reason: "not part of condor_chat's data" });
      continue;
    }
    const model = record.model as Model;
    const id = pk.safeParse(record.pk);
    const fields = schemas[model].safeParse(record.fields);
    if (!id.success) skipped.push({ record: nameOf(record), reason: "unreadable (pk: not a positive integer)" });
    else if (!fields.success) skipped.push({ record: nameOf(record), reason: problemOf(fields.error) });
    else if (seen.has(nameOf(record))) skipped.push({ record: nameOf(record), reason: "appears twice in the export" });
    else (byModel[model] as Parsed<unknown>[]).push({ record, id: id.data, fields: fields.data });
    seen.add(nameOf(record));
  }
  for (const list of Object.values(byModel)) list.sort((a, b) => a.id - b.id);
  return byModel;
}

/** The avatar to upload for a profile, or undefined (and a note) when the default stays. */
function planAvatar(
  name: string,
  username: string,
  source: string,
  media: MediaReader | undefined,
  notes: Remark[],
): NewAvatar | undefined {
  if (source === "" || DEFAULT_AVATAR.test(source)) return undefined;
  const keepDefault = (why: string) => {
    notes.push({ record: name, reason: `avatar '${source}' ${why}; ${username} keeps the default avatar` });
    return undefined;
  };
  if (path.isAbsolute(source) || source.split(/[\\/]/).includes(".."))
    return keepDefault("is outside the media folder");
  if (!media) return keepDefault("not imported: no --media folder given");
  const bytes = media(source);
  if (!bytes) return keepDefault("is not in the media folder");
  if (bytes.length > MAX_AVATAR_BYTES) return keepDefault(`is over ${MAX_AVATAR_BYTES / 1024 / 1024} MiB`);
  const kind = sniffImage(bytes);
  if (!kind) return keepDefault("is not a JPEG, PNG, GIF or WebP image");
  // Named by its bytes, so a second run puts the same object at the same key.
  const suffix = createHash("sha256").update(bytes).digest("hex").slice(0, 8);
  return { source, key: avatarKey(username, suffix, kind), type: kind.type, bytes };
}

/**
 * Decides what to create from an export, given what the database holds already.
 * `media` reads the original's MEDIA_ROOT; without it, every user keeps the default avatar.
 */
export function planImport(records: DjangoRecord[], existing: Existing, media?: MediaReader): Plan {
  const skipped: Remark[] = [];
  const notes: Remark[] = [];
  const mustReset: Plan["mustReset"] = [];
  const alreadyImported = { users: 0, rooms: 0 };
  const parsed = parseRecords(records, skipped);

  // Users: who is created, who is here already, and the username of everyone usable.
  const usernames = new Map<number, string>();
  const existingById = new Map(existing.users.map((user) => [user.id, user]));
  const takenUsernames = new Map(existing.users.map((user) => [user.username.toLowerCase(), user.id]));
  const takenEmails = new Map(existing.users.filter((u) => u.email !== "").map((u) => [u.email.toLowerCase(), u.id]));
  const users: NewUser[] = [];
  const profiles = new Map(parsed["chat.userprofile"].map((profile) => [profile.fields.user, profile]));
  for (const { record, id, fields } of parsed["auth.user"]) {
    const name = nameOf(record);
    const here = existingById.get(id);
    if (here) {
      if (here.username.toLowerCase() === fields.username.toLowerCase()) {
        alreadyImported.users++;
        usernames.set(id, here.username);
      } else {
        skipped.push({ record: name, reason: `id ${id} belongs to another user here ('${here.username}')` });
      }
      continue;
    }
    const holder = takenUsernames.get(fields.username.toLowerCase());
    if (holder !== undefined) {
      skipped.push({
        record: name,
        reason: `the username '${fields.username}' is taken here by user ${holder} (usernames are unique whatever their case)`,
      });
      continue;
    }
    let email = fields.email;
    const emailHolder = email === "" ? undefined : takenEmails.get(email.toLowerCase());
    if (emailHolder !== undefined) {
      notes.push({
        record: name,
        reason: `the email '${email}' is user ${emailHolder}'s too; ${fields.username} is imported without an email`,
      });
      email = "";
    }
    const hasher = hasherOf(fields.password);
    if (hasher === "unusable") {
      notes.push({
        record: name,
        reason: `${fields.username} has no usable password and cannot sign in, as in the original`,
      });
    } else if (hasher !== "pbkdf2_sha256") {
      mustReset.push({ username: fields.username, hasher });
    }
    if (!fields.is_active)
      notes.push({ record: name, reason: `${fields.username} is inactive and cannot sign in, as in the original` });
    const profile = profiles.get(id);
    const avatar = profile && planAvatar(nameOf(profile.record), fields.username, profile.fields.avatar, media, notes);
    users.push({
      id,
      username: fields.username,
      email,
      firstName: fields.first_name,
      lastName: fields.last_name,
      password: fields.password,
      isSuperuser: fields.is_superuser,
      isActive: fields.is_active,
      dateJoined: fields.date_joined,
      lastLogin: fields.last_login,
      avatar,
    });
    usernames.set(id, fields.username);
    takenUsernames.set(fields.username.toLowerCase(), id);
    if (email !== "") takenEmails.set(email.toLowerCase(), id);
  }
  const exportedUserIds = new Set(parsed["auth.user"].map((user) => user.id));
  for (const { record, fields } of parsed["chat.userprofile"]) {
    if (!exportedUserIds.has(fields.user)) {
      skipped.push({ record: nameOf(record), reason: `its user ${fields.user} is not in the export` });
    }
  }

  // Rooms, each whole with its members and messages.
  const messagesById = new Map(parsed["chat.message"].map((message) => [message.id, message]));
  const messageRoom = new Map<number, number>();
  const storedMessageIds = new Set(existing.messageIds);
  const existingRooms = new Map(existing.rooms.map((room) => [room.id, room]));
  const takenDmKeys = new Set(existing.rooms.flatMap((room) => (room.dm_key ? [room.dm_key] : [])));
  const rooms: NewRoom[] = [];
  for (const { record, id, fields } of parsed["chat.room"]) {
    const name = nameOf(record);
    const here = existingRooms.get(id);
    if (here) {
      for (const messageId of fields.messages) if (!messageRoom.has(messageId)) messageRoom.set(messageId, id);
      if (here.title === fields.title) alreadyImported.rooms++;
      else
        skipped.push({
          record: name,
          reason: `id ${id} belongs to another room here ('${here.title}'); its ${fields.messages.length} messages are not imported`,
        });
      continue;
    }
    const participants = [...new Set(fields.participants)].filter((userId) => {
      if (usernames.has(userId)) return true;
      notes.push({ record: name, reason: `participant ${userId} is left out: that user is not imported` });
      return false;
    });
    if (participants.length === 0) {
      skipped.push({
        record: name,
        reason: `no participant of it is imported, so nobody could read it; its ${fields.messages.length} messages are not imported`,
      });
      for (const messageId of fields.messages) if (!messageRoom.has(messageId)) messageRoom.set(messageId, id);
      continue;
    }

    const messages: NewMessage[] = [];
    for (const messageId of [...new Set(fields.messages)].sort((a, b) => a - b)) {
      const label = `chat.message ${messageId}`;
      const message = messagesById.get(messageId);
      const firstRoom = messageRoom.get(messageId);
      if (firstRoom !== undefined) {
        notes.push({
          record: label,
          reason: `is in room ${firstRoom} and room ${id}; a message lives in one room here, so it stays in room ${firstRoom}`,
        });
        continue;
      }
      messageRoom.set(messageId, id);
      if (!message) {
        notes.push({ record: name, reason: `message ${messageId} is not in the export (or unreadable)` });
        continue;
      }
      const text = messageText.safeParse(message.fields.content);
      if (!usernames.has(message.fields.sender)) {
        skipped.push({ record: label, reason: `its sender ${message.fields.sender} is not imported` });
      } else if (!text.success) {
        const why =
          message.fields.content.trim() === ""
            ? "empty: the API refuses empty messages and there is nothing to show"
            : `its content ${text.error.issues[0].message}`;
        skipped.push({ record: label, reason: why });
      } else if (storedMessageIds.has(messageId)) {
        skipped.push({ record: label, reason: `id ${messageId} belongs to another message here` });
      } else if (messageId < existing.messageIdsHandedOut) {
        skipped.push({
          record: label,
          reason: `id ${messageId} may belong to a message here (ids up to ${existing.messageIdsHandedOut - 1} have been handed to rooms)`,
        });
      } else {
        messages.push({
          id: messageId,
          senderId: message.fields.sender,
          content: message.fields.content,
          createdAt: message.fields.timestamp,
        });
      }
    }

    // A non-group room of two is the pair's DM, unless the pair has one already.
    const declaredGroup = fields.is_goup ?? fields.is_group ?? false;
    const pairKey = !declaredGroup && participants.length === 2 ? dmKey(participants[0], participants[1]) : null;
    const isDm = pairKey !== null && !takenDmKeys.has(pairKey);
    if (pairKey && !isDm) {
      notes.push({
        record: name,
        reason: `a second DM of users ${pairKey.replace(":", " and ")}; imported as a group so its messages are kept`,
      });
    } else if (!declaredGroup && !pairKey) {
      notes.push({
        record: name,
        reason: `not a group, but of ${participants.length} people, not two; imported as a group`,
      });
    }
    if (isDm) takenDmKeys.add(pairKey);
    const firstSender = messages[0]?.senderId;
    const owner = firstSender !== undefined && participants.includes(firstSender) ? firstSender : participants[0];
    // A DM made here is titled "<sender> - <receiver>" by its first sender, as the original did.
    const dmStarter = participants.find((userId) => fields.title.startsWith(`${usernames.get(userId)} - `)) ?? owner;
    rooms.push({
      id,
      title: fields.title,
      isGroup: !isDm,
      dmKey: isDm ? pairKey : null,
      createdBy: isDm ? dmStarter : owner,
      createdAt: fields.timestamp,
      members: participants.map((userId) => ({ userId, role: !isDm && userId === owner ? "owner" : "member" })),
      messages,
    });
  }
  for (const { record, id } of parsed["chat.message"]) {
    if (!messageRoom.has(id)) skipped.push({ record: nameOf(record), reason: "it is in no room" });
  }
  return { users, rooms, skipped, notes, mustReset, alreadyImported };
}

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
