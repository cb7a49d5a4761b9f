/**
 * `npm run manage -- import-condor <dumpdata.json> [--media <dir>]`: brings an installation
 * of the original condor_chat over (or a room exported with `export-room`). Reads the export
 * and the database, plans with ./plan.ts, prints the plan, then writes: avatars to R2 first
 * (so no user points at a missing picture), then all users in one transaction, then the
 * rooms, a few at a time. A room is written whole or not at all, as people see it: first
 * its row without members and its ids' blocks, in one transaction (nobody sees a room without
 * members, and no other room can be given its id or its messages' ids), then its messages and
 * read positions into its object through the worker's admin routes, and last its members
 * (./write.ts). A run that stops half-way leaves rooms without members, which the next run
 * finishes; what an object holds already is kept.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type AdminWorker, withWorker } from "../worker-admin.ts";
import { type D1Target, execute, executeFile, putAvatar, type Row } from "../wrangler-d1.ts";
import {
  type DjangoRecord,
  type Existing,
  type MediaReader,
  messageBlocks,
  type Plan,
  planImport,
  readDump,
  userStatements,
} from "./plan.ts";
import { writeRooms } from "./write.ts";

export type ImportOptions = { dump: string; media?: string; target: D1Target; dryRun: boolean; url?: string };

/** "1 message", "3 messages". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** What the import wrote, for its last line. */
type Written = { users: number; rooms: number; messages: number; avatars: number };

/** Reads files under the media folder only; a path that leads outside it reads as missing. */
function mediaReader(directory: string): MediaReader {
  const root = path.resolve(directory);
  return (relativePath) => {
    const file = path.resolve(root, relativePath);
    if (!file.startsWith(`${root}${path.sep}`)) return undefined;
    try {
      return new Uint8Array(readFileSync(file));
    } catch {
      return undefined;
    }
  };
}

/** The rows the export could collide with; an unmigrated database holds none. */
function readExisting(target: D1Target, records: DjangoRecord[], dryRun: boolean): Existing {
  const messageIds = records
    .filter((r) => r.model === "chat.message" && Number.isSafeInteger(r.pk))
    .map((r) => r.pk as number);
  // A fold, not Math.min(...ids): spreading a big export's ids overflows the call stack.
  const low = messageIds.reduce((min, id) => Math.min(min, id), Number.MAX_SAFE_INTEGER);
  const high = messageIds.reduce((max, id) => Math.max(max, id), 0);
  try {
    const [users, rooms, blocks, handedOut] = execute(target, [
      "SELECT id, username, email FROM users",
      "SELECT id, title, dm_key, (SELECT count(*) FROM room_members WHERE room_id = rooms.id) AS members FROM rooms",
      `SELECT first_id, end_id, room_id FROM message_blocks WHERE end_id > ${low} AND first_id <= ${high}`,
      // Past every block handed to a room, and the mark from before blocks were recorded.
      `SELECT max((SELECT coalesce(max(end_id), 1) FROM message_blocks),
                  (SELECT coalesce(max(next), 1) FROM message_ids)) AS next`,
    ]);
    return {
      users: users as Existing["users"],
      rooms: rooms as Existing["rooms"],
      messageIdsHandedOut: handedOut[0].next as number,
      messageBlocks: blocks.map((row: Row) => ({
        firstId: row.first_id as number,
        endId: row.end_id as number,
        roomId: row.room_id as number,
      })),
    };
  } catch (error) {
    // A dry run does not migrate (it writes nothing), so a fresh local D1 has no tables yet.
    if (dryRun && !target.remote && /no such table/.test((error as Error).message)) {
      return { users: [], rooms: [], messageIdsHandedOut: 1, messageBlocks: [] };
    }
    throw error;
  }
}

function describe(plan: Plan, usernames: Map<number, string>): string[] {
  const lines: string[] = [];
  const who = (id: number) => usernames.get(id) ?? `user ${id}`;
  const messageCount = plan.rooms.reduce((sum, room) => sum + room.messages.length, 0);
  lines.push(`Users to create: ${plan.users.length}`);
  for (const user of plan.users) {
    const traits = [
      user.isSuperuser && "superuser",
      !user.isActive && "inactive",
      user.avatar && `avatar ${user.avatar.key}`,
    ];
    const extra = traits.filter(Boolean).join(", ");
    lines.push(`  + ${user.id} ${user.username}${extra ? ` (${extra})` : ""}`);
  }
  lines.push(`Rooms to create: ${plan.rooms.length}, with ${count(messageCount, "message")}`);
  for (const room of plan.rooms) {
    const kind = room.isGroup ? "group" : "DM";
    const members = room.members
      .map((member) => who(member.userId) + (member.role === "owner" ? " (owner)" : ""))
      .join(", ");
    lines.push(`  + ${room.id} "${room.title}": ${kind} of ${members}; ${count(room.messages.length, "message")}`);
  }
  if (plan.alreadyImported.users + plan.alreadyImported.rooms > 0) {
    const { users, rooms } = plan.alreadyImported;
    lines.push(
      `Already here from an earlier import, left as they are: ${count(users, "user")}, ${count(rooms, "room")}`,
    );
  }
  lines.push(`Skipped: ${plan.skipped.length}`);
  for (const { record, reason } of plan.skipped) lines.push(`  - ${record}: ${reason}`);
  if (plan.notes.length > 0) {
    lines.push(`Notes: ${plan.notes.length}`);
    for (const { record, reason } of plan.notes) lines.push(`  * ${record}: ${reason}`);
  }
  if (plan.mustReset.length > 0) {
    lines.push(
      `Must reset their password (their hash uses a hasher Condor Chat cannot check; until then they cannot sign in): ${plan.mustReset.length}`,
    );
    for (const { username, hasher } of plan.mustReset) {
      lines.push(`  ! ${username} (${hasher}): npm run manage -- changepassword ${username}`);
    }
  }
  return lines;
}

async function write(plan: Plan, options: ImportOptions, handedOut: number, worker?: AdminWorker): Promise<Written> {
  const written: Written = { users: 0, rooms: 0, messages: 0, avatars: 0 };
  for (const user of plan.users) {
    if (!user.avatar || !options.media) continue;
    putAvatar(options.target, user.avatar.key, path.resolve(options.media, user.avatar.source), user.avatar.type);
    written.avatars++;
  }
  if (plan.users.length > 0) {
    executeFile(options.target, userStatements(plan.users));
    written.users = plan.users.length;
  }
  await writeRooms(plan.rooms, {
    target: options.target,
    worker,
    blocks: messageBlocks(plan.rooms, handedOut),
    written: (rooms) => {
      written.rooms += rooms.length;
      written.messages += rooms.reduce((sum, room) => sum + room.messages.length, 0);
    },
    before: () => summary(written),
  });
  return written;
}

const summary = (written: Written) =>
  [
    count(written.users, "user"),
    count(written.rooms, "room"),
    count(written.messages, "message"),
    count(written.avatars, "avatar"),
  ].join(", ");

/** Plans the import, prints the plan, and (unless a dry run) writes it. */
export async function importCondor(options: ImportOptions): Promise<void> {
  const records = readDump(readFileSync(options.dump, "utf8"));
  const existing = readExisting(options.target, records, options.dryRun);
  const plan = planImport(records, existing, options.media === undefined ? undefined : mediaReader(options.media));
  const usernames = new Map<number, string>([
    ...existing.users.map((user) => [user.id, user.username] as const),
    ...plan.users.map((user) => [user.id, user.username] as const),
  ]);
  const where = options.target.remote ? "the deployed D1, R2 and rooms" : "the local D1, R2 and rooms";
  console.log(`${options.dryRun ? "Dry run: would import" : "Importing"} ${options.dump} into ${where}.`);
  for (const line of describe(plan, usernames)) console.log(line);
  if (options.dryRun) {
    console.log("Dry run: nothing was written.");
    return;
  }
  const handedOut = existing.messageIdsHandedOut;
  // The rooms' objects are reached through a worker only when there are messages to give them.
  const written = plan.rooms.some((room) => room.messages.length > 0)
    ? await withWorker(options.target, options.url, (worker) => write(plan, options, handedOut, worker))
    : await write(plan, options, handedOut);
  console.log(`Imported: ${summary(written)}.`);
}
