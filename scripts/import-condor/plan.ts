/**
 * The import from the original condor_chat, as a plan: Django's `dumpdata` records
 * (`auth.user`, `chat.userprofile`, `chat.room`, `chat.message`) and what the database
 * already holds go in; the rows to create, what is skipped and why, the SQL that writes
 * D1's part and the batches that carry the messages into their rooms come out. Nothing
 * here reads a file or touches a database (see ./index.ts), so every decision can be
 * tested alone.
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
 *   when a member, else its first participant; a DM has none, as DMs made here. A room
 *   exported here (`npm run manage -- export-room`) names its owner, who stays it.
 * - Django's per-user copies of the default picture stay the default; own avatars must be
 *   JPEG, PNG, GIF or WebP by their bytes (as uploads here), else the default is kept.
 */
import {
  type DjangoRecord,
  type Existing,
  type MediaReader,
  type Plan,
  parseRecords,
  type Remarks,
} from "./records.ts";
import { planRooms } from "./rooms.ts";
import { planUsers } from "./users.ts";

export { messageBlocks, roomImports } from "./messages.ts";
export * from "./records.ts";
export { blockStatements, memberStatements, roomStatements, userStatements } from "./statements.ts";

/**
 * Decides what to create from an export, given what the database holds already.
 * `media` reads the original's MEDIA_ROOT; without it, every user keeps the default avatar.
 */
export function planImport(records: DjangoRecord[], existing: Existing, media?: MediaReader): Plan {
  const remarks: Remarks = { skipped: [], notes: [], mustReset: [] };
  const parsed = parseRecords(records, remarks.skipped);
  const { users, usernames, alreadyImported: usersBefore } = planUsers(parsed, existing, media, remarks);
  const { rooms, alreadyImported: roomsBefore } = planRooms(parsed, existing, usernames, remarks);
  return { users, rooms, ...remarks, alreadyImported: { users: usersBefore, rooms: roomsBefore } };
}
