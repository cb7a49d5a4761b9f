/**
 * `npm run manage -- import-slack <export.zip> [--dry-run]`: brings a Slack workspace over
 * from Slack's standard export. Reads the zip and the database, plans with ./plan.ts,
 * prints the plan, then writes as the import from condor_chat does (../import-condor/
 * write.ts): all users in one transaction, then the rooms a few at a time, each whole or
 * not at all, its messages, threads and reactions into its object through the worker's
 * admin routes. Last, the new people's invite links.
 */
import { readFileSync } from "node:fs";
import { invitedPassword } from "../../core/db/invited-password.ts";
import { hashInviteCode, newInviteCode } from "../../worker/auth/invite-codes.ts";
import { messageBlocks, userStatements } from "../import-condor/plan.ts";
import { writeRooms } from "../import-condor/write.ts";
import { type AdminWorker, withWorker } from "../worker-admin.ts";
import { type D1Target, execute, executeFile, type Row, sqlText } from "../wrangler-d1.ts";
import { readSlackExport } from "./export.ts";
import { planSlackImport, type SlackExisting, type SlackPlan } from "./plan.ts";

export type SlackImportOptions = { zip: string; target: D1Target; dryRun: boolean; url?: string };

/** How long an invite link of the import works: the longest the API gives one. */
const INVITE_DAYS = 90;
/** Where `npm start` serves the page, for the links of a local import given no --url. */
const LOCAL_ORIGIN = "http://localhost:8787";

type Invite = { username: string; email: string; code: string };

/**
 * An invite link for each new person, which opens their account once (see invitedPassword);
 * their password is the link's placeholder until then. The invites are written with the users.
 */
async function inviteStatements(plan: SlackPlan): Promise<{ invites: Invite[]; statements: string[] }> {
  const invites: Invite[] = [];
  const statements: string[] = [];
  const at = new Date();
  const expires = new Date(at.getTime() + INVITE_DAYS * 24 * 60 * 60 * 1000);
  for (const user of plan.invited) {
    const code = newInviteCode();
    const hash = await hashInviteCode(code);
    user.password = invitedPassword(hash);
    invites.push({ username: user.username, email: user.email, code });
    statements.push(
      `INSERT INTO invites (code_hash, created_by, created_at, expires_at, uses_left) VALUES (${sqlText(hash)}, ${user.id}, ${sqlText(at.toISOString())}, ${sqlText(expires.toISOString())}, 1)`,
    );
  }
  return { invites, statements };
}

const count = (n: number, noun: string, nouns = `${noun}s`) => `${n.toLocaleString("en")} ${n === 1 ? noun : nouns}`;

function readExisting(target: D1Target, dryRun: boolean): SlackExisting {
  try {
    const [users, rooms, blocks, next] = execute(target, [
      "SELECT id, username, email FROM users",
      "SELECT id, title, dm_key, created_at, (SELECT count(*) FROM room_members WHERE room_id = rooms.id) AS members FROM rooms",
      `SELECT first_id, end_id, room_id FROM message_blocks WHERE room_id IN
         (SELECT id FROM rooms WHERE NOT EXISTS (SELECT 1 FROM room_members WHERE room_id = rooms.id))`,
      // A deleted room's id is not given again: its object may still hold its messages.
      `SELECT (SELECT coalesce(max(id), 0) + 1 FROM users) AS user_id,
              max((SELECT coalesce(max(id), 0) FROM rooms), (SELECT coalesce(max(room_id), 0) FROM message_blocks)) + 1 AS room_id,
              max((SELECT coalesce(max(end_id), 1) FROM message_blocks), (SELECT coalesce(max(next), 1) FROM message_ids)) AS message_id`,
    ]);
    return {
      users: users as SlackExisting["users"],
      rooms: rooms as SlackExisting["rooms"],
      unfinishedBlocks: blocks.map((row: Row) => ({
        firstId: row.first_id as number,
        endId: row.end_id as number,
        roomId: row.room_id as number,
      })),
      nextUserId: next[0].user_id as number,
      nextRoomId: next[0].room_id as number,
      messageIdsHandedOut: next[0].message_id as number,
    };
  } catch (error) {
    // A dry run does not migrate (it writes nothing), so a fresh local D1 has no tables yet.
    if (dryRun && !target.remote && /no such table/.test((error as Error).message)) {
      return { users: [], rooms: [], unfinishedBlocks: [], nextUserId: 1, nextRoomId: 1, messageIdsHandedOut: 1 };
    }
    throw error;
  }
}

function describe(plan: SlackPlan): string[] {
  const lines: string[] = [];
  const messages = plan.rooms.reduce((sum, room) => sum + room.messages.length, 0);
  lines.push(`Users to create: ${plan.users.length}`);
  for (const user of plan.users) lines.push(`  + ${user.id} ${user.username}${user.isActive ? "" : " (inactive)"}`);
  if (plan.invited.length > 0) {
    const names = plan.invited.map((user) => user.username).join(", ");
    lines.push(`Invite links to make, one each, listed at the end: ${plan.invited.length} (${names})`);
  }
  lines.push(`Rooms to create: ${plan.rooms.length}, with ${count(messages, "message")}`);
  for (const room of plan.rooms) {
    const kind = room.isOpen ? "open room" : room.isGroup ? "closed group" : "DM";
    const replies = room.messages.filter((message) => message.threadRoot !== undefined).length;
    const reactions = room.messages.reduce((sum, message) => sum + (message.reactions?.length ?? 0), 0);
    lines.push(
      `  + ${room.id} ${room.label} as "${room.title}": ${kind} of ${count(room.members.length, "member")}; ` +
        `${count(room.messages.length, "message")} (${count(replies, "thread reply", "thread replies")}, ${count(reactions, "reaction")})`,
    );
  }
  const { users, rooms } = plan.alreadyHere;
  if (users + rooms > 0) lines.push(`Here already, left as they are: ${count(users, "user")}, ${count(rooms, "room")}`);
  lines.push(`Skipped: ${plan.skipped.length}`);
  for (const { record, reason } of plan.skipped) lines.push(`  - ${record}: ${reason}`);
  if (plan.notes.length > 0) {
    lines.push(`Notes: ${plan.notes.length}`);
    for (const { record, reason } of plan.notes) lines.push(`  * ${record}: ${reason}`);
  }
  return lines;
}

async function write(plan: SlackPlan, options: SlackImportOptions, handedOut: number, worker?: AdminWorker) {
  const written = { users: 0, rooms: 0, messages: 0 };
  const summary = () =>
    [count(written.users, "user"), count(written.rooms, "room"), count(written.messages, "message")].join(", ");
  const { invites, statements } = await inviteStatements(plan);
  if (plan.users.length > 0) {
    executeFile(options.target, [...userStatements(plan.users), ...statements]);
    written.users = plan.users.length;
  }
  const total = plan.rooms.length;
  await writeRooms(plan.rooms, {
    target: options.target,
    worker,
    blocks: messageBlocks(plan.rooms, handedOut),
    written: (rooms) => {
      for (const room of rooms) {
        written.rooms++;
        written.messages += room.messages.length;
        console.log(`[${written.rooms}/${total}] ${room.label}: ${count(room.messages.length, "message")} imported.`);
      }
    },
    // A big room takes many requests: how far it is, between them.
    sent: (room, messages) => {
      if (messages < room.messages.length) {
        console.log(`  ${room.label}: ${count(messages, "message")} of ${room.messages.length.toLocaleString("en")}…`);
      }
    },
    before: summary,
  });
  return { summary: summary(), invites };
}

/** Plans the import, prints the plan, and (unless a dry run) writes it. */
export async function importSlack(options: SlackImportOptions): Promise<void> {
  const slack = readSlackExport(new Uint8Array(readFileSync(options.zip)), (files) =>
    console.log(`Read ${count(files, "day")} of messages…`),
  );
  const existing = readExisting(options.target, options.dryRun);
  const plan = planSlackImport(slack, existing);
  const where = options.target.remote ? "the deployed D1 and rooms" : "the local D1 and rooms";
  console.log(`${options.dryRun ? "Dry run: would import" : "Importing"} ${options.zip} into ${where}.`);
  for (const line of describe(plan)) console.log(line);
  if (options.dryRun) {
    console.log("Dry run: nothing was written.");
    return;
  }
  const handedOut = existing.messageIdsHandedOut;
  const { summary, invites } = plan.rooms.some((room) => room.messages.length > 0)
    ? await withWorker(options.target, options.url, (worker) => write(plan, options, handedOut, worker))
    : await write(plan, options, handedOut);
  console.log(`Imported: ${summary}.`);
  if (invites.length === 0) return;
  const origin = (options.url ?? process.env.CONDOR_URL ?? LOCAL_ORIGIN).replace(/\/+$/, "");
  console.log(
    `Invite links: send each person theirs. It opens their account, with their history, once, within ${INVITE_DAYS} days; they choose their password there. The links are not shown again.`,
  );
  for (const invite of invites) {
    console.log(`  ${invite.username}${invite.email ? ` <${invite.email}>` : ""}: ${origin}/join/${invite.code}`);
  }
}
