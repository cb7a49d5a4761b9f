/**
 * `npm run manage -- export-room <id>`: a room's members and messages as JSON, in the shape
 * of the original's `manage.py dumpdata`, which `import-condor` reads back: an `auth.user`
 * for each member and for each sender who left, the `chat.message`s and the `chat.room`.
 * D1 is read through wrangler, the room's messages through the worker's admin routes.
 *
 * Fields the original did not have ride along: a message's `edited_at`, `mentions`,
 * `reply_to`, `thread` (its thread's root) and `reactions`, and a group's `owner`. Left out:
 * deleted messages (their text is gone), read positions (an import counts its history as
 * read), files and link previews (an export carries no files, as it carries no avatars: a
 * file's record would name bytes the importing installation does not have; a preview is a
 * copy of a linked page, read again there when the text is edited), avatars, superuser
 * rights (a room's export gives nobody power over the installation that imports it), and
 * password hashes unless asked for.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { DjangoRecord } from "./import-condor/records.ts";
import { type AdminWorker, adminRequest, withWorker } from "./worker-admin.ts";
import { type D1Target, execute, type Row, sqlText } from "./wrangler-d1.ts";

/** Messages a page of the export reads from the room (MAX_ADMIN_ROWS). */
const PAGE = 1000;

export type ExportOptions = { roomId: number; target: D1Target; url?: string; out?: string; withPasswords: boolean };

/** A message as the room's store holds it (GET /api/admin/rooms/{id}/messages). */
export type StoredMessage = {
  id: number;
  sender_id: number;
  created_at: string;
  content: string | null;
  edited_at: string | null;
  deleted_at: string | null;
  mentions?: number[];
  reply_to?: number;
  thread_root?: number;
  reactions?: { emoji: string; users: number[] }[];
};

export type RoomToExport = {
  room: { id: number; title: string; is_group: number; created_at: string };
  members: { user_id: number; role: string }[];
  users: {
    id: number;
    username: string;
    email: string;
    first_name: string;
    last_name: string;
    password: string;
    is_active: number;
    date_joined: string;
    last_login: string | null;
  }[];
  messages: StoredMessage[];
};

/** Django's mark of an account without a usable password: `!` and random characters. */
const unusablePassword = () => `!${randomBytes(30).toString("base64url")}`;

/** The records of a room, users first, as dumpdata orders models. */
export function roomRecords({ room, members, users, messages }: RoomToExport, withPasswords: boolean): DjangoRecord[] {
  const missing = messages.find((message) => message.content === null);
  if (missing) {
    throw new Error(
      `The text of message ${missing.id} is still only in D1: run \`npm run manage -- move-history\` first.`,
    );
  }
  const kept = messages.filter((message) => message.deleted_at === null);
  const owner = members.find((member) => member.role === "owner")?.user_id;
  return [
    ...[...users]
      .sort((a, b) => a.id - b.id)
      .map((user) => ({
        model: "auth.user",
        pk: user.id,
        fields: {
          username: user.username,
          password: withPasswords ? user.password : unusablePassword(),
          first_name: user.first_name,
          last_name: user.last_name,
          email: user.email,
          is_superuser: false,
          is_active: user.is_active === 1,
          date_joined: user.date_joined,
          last_login: user.last_login,
        },
      })),
    ...kept.map((message) => ({
      model: "chat.message",
      pk: message.id,
      fields: {
        sender: message.sender_id,
        content: message.content,
        timestamp: message.created_at,
        edited_at: message.edited_at,
        ...(message.mentions && { mentions: message.mentions }),
        ...(message.reply_to !== undefined && { reply_to: message.reply_to }),
        ...(message.thread_root !== undefined && { thread: message.thread_root }),
        ...(message.reactions && { reactions: message.reactions }),
      },
    })),
    {
      model: "chat.room",
      pk: room.id,
      fields: {
        title: room.title,
        timestamp: room.created_at,
        is_goup: room.is_group === 1,
        messages: kept.map((message) => message.id),
        participants: members.map((member) => member.user_id),
        ...(owner !== undefined && { owner }),
      },
    },
  ];
}

async function roomMessages(worker: AdminWorker, roomId: number): Promise<StoredMessage[]> {
  const messages: StoredMessage[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const page: { messages: StoredMessage[]; next: number | null } = await adminRequest(
      worker,
      "GET",
      `/rooms/${roomId}/messages?after=${after}&limit=${PAGE}`,
    );
    messages.push(...page.messages);
    after = page.next;
  }
  return messages;
}

/** Reads the room and writes its export to `out`, or to the standard output. */
export async function exportRoom({ roomId, target, url, out, withPasswords }: ExportOptions): Promise<void> {
  const [[room], members] = execute(target, [
    `SELECT id, title, is_group, created_at FROM rooms WHERE id = ${roomId}`,
    `SELECT user_id, role FROM room_members WHERE room_id = ${roomId} ORDER BY joined_at, user_id`,
  ]);
  if (!room) throw new Error(`Room ${roomId} does not exist.`);
  const messages = await withWorker(target, url, (worker) => roomMessages(worker, roomId));
  const people = [...new Set([...members.map((m: Row) => m.user_id), ...messages.map((m) => m.sender_id)])];
  const [users] = execute(target, [
    `SELECT id, username, email, first_name, last_name, password, is_active, date_joined, last_login FROM users
     WHERE id IN (SELECT value FROM json_each(${sqlText(JSON.stringify(people))}))`,
  ]);
  const records = roomRecords({ room, members, users, messages } as unknown as RoomToExport, withPasswords);
  const json = `${JSON.stringify(records, null, 2)}\n`;
  if (out === undefined) process.stdout.write(json);
  else {
    writeFileSync(out, json, { mode: 0o600 });
    const written = records.filter((record) => record.model === "chat.message").length;
    console.error(`Room ${roomId} exported to ${out}: ${members.length} members, ${written} messages.`);
  }
}
