/**
 * The original's export as the import reads it: Django's `dumpdata` records, checked and
 * split by model, and the shapes a plan is made of.
 */
import { z } from "zod";

/** One record of `manage.py dumpdata` output. */
export type DjangoRecord = { model: string; pk: unknown; fields: Record<string, unknown> };

/** What the target database already holds, as far as the import can collide with it. */
export type Existing = {
  users: { id: number; username: string; email: string }[];
  /** `members` is 0 only for a room an import claimed and stopped before finishing: a room others leave is deleted. */
  rooms: { id: number; title: string; dm_key: string | null; members: number }[];
  /**
   * Message ids below this one have been handed to rooms (see reserveMessageIds): every
   * message here has one of them, so an import must not take them, but for ids recorded for
   * the very room it imports (messageBlocks).
   */
  messageIdsHandedOut: number;
  /**
   * The blocks of ids recorded for rooms, among the export's ids, by first id: an import that
   * stopped half-way had recorded them for rooms it had not created yet.
   */
  messageBlocks: MessageBlock[];
};

/** A block of message ids and the room they belong to (message_blocks). */
export type MessageBlock = { firstId: number; endId: number; roomId: number };

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

export type NewMessage = {
  id: number;
  senderId: number;
  content: string;
  createdAt: string;
  editedAt: string | null;
  /** Of the room's imported members. */
  mentions?: number[];
  /** Messages imported into the same room. */
  replyTo?: number;
  threadRoot?: number;
  reactions?: { emoji: string; users: number[] }[];
  /** Set for a message deleted in the app it comes from, whose thread is kept: its text is empty. */
  deletedAt?: string;
};

export type NewRoom = {
  id: number;
  title: string;
  isGroup: boolean;
  dmKey: string | null;
  createdBy: number | null;
  createdAt: string;
  /** An open room, which anyone may join; closed unless set. */
  isOpen?: boolean;
  members: { userId: number; role: "owner" | "member" }[];
  messages: NewMessage[];
  /** Its row is here already, without members: an import stopped before it was done. */
  claimed: boolean;
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

/** What a plan says of the records, gathered by every step of it. */
export type Remarks = Pick<Plan, "skipped" | "notes" | "mustReset">;

export const pk = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
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
// `edited_at`, `mentions`, `reply_to`, `thread`, `reactions` and a room's `owner` are not the
// original's: a room exported here carries them.
const MessageFields = z.object({
  sender: pk,
  content: z.string(),
  timestamp,
  edited_at: timestamp.nullable().default(null),
  mentions: z.array(pk).default([]),
  reply_to: pk.optional(),
  thread: pk.optional(),
  reactions: z.array(z.object({ emoji: z.string(), users: z.array(pk) })).default([]),
});
export type MessageFields = z.infer<typeof MessageFields>;
const RoomFields = z.object({
  title: z.string().max(255),
  timestamp,
  // The original's model spells it `is_goup`.
  is_goup: z.boolean().optional(),
  is_group: z.boolean().optional(),
  messages: z.array(pk).default([]),
  participants: z.array(pk).default([]),
  owner: pk.optional(),
});

/** "auth.user 3", as the export names a record. */
export const nameOf = (record: DjangoRecord) => `${record.model} ${JSON.stringify(record.pk)}`;

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `unreadable (${where}${issue.message})`;
}

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

export type Parsed<Fields> = { record: DjangoRecord; id: number; fields: Fields };
export type ParsedRecords = ReturnType<typeof parseRecords>;

/** Splits the records by model, each checked; unreadable and unknown ones are skipped. */
export function parseRecords(records: DjangoRecord[], skipped: Remark[]) {
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
