/**
 * Queries on rooms and their members. Statements in a batch are Drizzle builders, never
 * `db.run(sql)`: Drizzle's D1 batch cannot bind the parameters of a raw statement.
 */
import { and, asc, count, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Jurisdiction } from "../protocol-constants";
import { type Database, now, preparedOnce } from ".";
import { dmKey } from "./dm-key";
import { type RoomAddress, type RoomRow, roomMembers, rooms, type UserRow, users } from "./schema";

export type Member = typeof roomMembers.$inferSelect;

export async function findRoom(db: Database, id: number): Promise<RoomRow | undefined> {
  return db.select().from(rooms).where(eq(rooms.id, id)).get();
}

export async function findMember(db: Database, roomId: number, userId: number): Promise<Member | undefined> {
  return db
    .select()
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .get();
}

/** A room's participants, in the order they joined, and who owns it (null for a DM). */
export type RoomPeople = { participants: UserRow[]; owner: number | null };

/** Members and their users where `which` holds, in the order they joined. */
const peopleWhere = (db: Database, which: ReturnType<typeof sql>) =>
  db
    .select({ roomId: roomMembers.roomId, role: roomMembers.role, user: users })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(which)
    .orderBy(asc(roomMembers.joinedAt), asc(users.id));

/** The participants of the rooms a query's rows are of, by room, in the order they joined. */
function peopleByRoom(roomIds: number[], rows: { roomId: number; role: string; user: UserRow }[]) {
  const byRoom = new Map<number, RoomPeople>(roomIds.map((id) => [id, { participants: [], owner: null }]));
  for (const { roomId, role, user } of rows) {
    const people = byRoom.get(roomId);
    if (!people) continue;
    people.participants.push(user);
    if (role === "owner") people.owner = user.id;
  }
  return byRoom;
}

/** Participants and owners of several rooms in one query. */
export async function participantsOf(db: Database, roomIds: number[]): Promise<Map<number, RoomPeople>> {
  if (roomIds.length === 0) return new Map();
  const rows = await peopleWhere(
    db,
    sql`${roomMembers.roomId} IN (SELECT value FROM json_each(${JSON.stringify(roomIds)}))`,
  );
  return peopleByRoom(roomIds, rows);
}

const sender = alias(roomMembers, "sender");
/** A row a person of the room, each with the room and the sender's membership (null when not a member). */
const toSendTo = preparedOnce((db) =>
  db
    .select({ room: rooms, member: sender, role: roomMembers.role, user: users })
    .from(rooms)
    .leftJoin(sender, and(eq(sender.roomId, rooms.id), eq(sender.userId, sql.placeholder("userId"))))
    .leftJoin(roomMembers, eq(roomMembers.roomId, rooms.id))
    .leftJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(rooms.id, sql.placeholder("roomId")))
    .orderBy(asc(roomMembers.joinedAt), asc(users.id))
    .prepare(),
);

/**
 * What a send to a room needs to check and to answer, in one round trip: the room, the
 * sender's membership of it, and its people. Nothing is there when the room is not.
 */
export async function roomToSendTo(db: Database, roomId: number, userId: number) {
  const rows = await toSendTo(db).all({ roomId, userId });
  if (rows.length === 0) return undefined;
  const people = rows.flatMap(({ role, user }) => (user && role ? [{ roomId, role, user }] : []));
  return {
    room: rows[0].room,
    member: rows[0].member ?? undefined,
    people: peopleByRoom([roomId], people).get(roomId)!,
  };
}

/**
 * What a DM needs, in one round trip: the receiver, and the pair's DM room with its two
 * people if it is made already.
 */
export async function dmToSendTo(db: Database, senderId: number, receiverId: number) {
  const key = dmKey(senderId, receiverId);
  const [[receiver], [dm], people] = await db.batch([
    db.select().from(users).where(eq(users.id, receiverId)),
    db.select().from(rooms).where(eq(rooms.dmKey, key)),
    peopleWhere(db, sql`${roomMembers.roomId} = (SELECT id FROM rooms WHERE dm_key = ${key})`),
  ]);
  return { receiver, dm, people: dm && peopleByRoom([dm.id], people).get(dm.id)! };
}

/** What a room's inbox news carries and whom it goes to; undefined when the room is gone. One round trip. */
export async function roomForNews(
  db: Database,
  roomId: number,
): Promise<{ title: string; isGroup: boolean; memberIds: number[] } | undefined> {
  const [[room], members] = await db.batch([
    db.select({ title: rooms.title, isGroup: rooms.isGroup }).from(rooms).where(eq(rooms.id, roomId)),
    db.select({ userId: roomMembers.userId }).from(roomMembers).where(eq(roomMembers.roomId, roomId)),
  ]);
  return room && { ...room, memberIds: members.map((member) => member.userId) };
}

/** The members of a room with their usernames, which the room reads mentions by. */
export async function memberNamesOf(db: Database, roomId: number): Promise<{ id: number; username: string }[]> {
  return db
    .select({ id: users.id, username: users.username })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(roomMembers.roomId, roomId));
}

/** How to reach every room a user is in: its id and where its object lives. */
export async function roomAddressesOf(db: Database, userId: number): Promise<RoomAddress[]> {
  return db
    .select({ id: rooms.id, jurisdiction: rooms.jurisdiction })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(eq(roomMembers.userId, userId));
}

/** How to reach a room by its id; a room D1 does not have (an import's, before its row) has no jurisdiction. */
export async function roomAddress(db: Database, roomId: number): Promise<RoomAddress> {
  const [row] = await db.select({ jurisdiction: rooms.jurisdiction }).from(rooms).where(eq(rooms.id, roomId));
  return { id: roomId, jurisdiction: row?.jurisdiction ?? null };
}

/** Every room a user is in, in no order: the room list orders them by activity, which the user's inbox knows. */
export async function roomsOf(db: Database, userId: number): Promise<RoomRow[]> {
  return db
    .select()
    .from(rooms)
    .where(sql`${rooms.id} IN (SELECT room_id FROM room_members WHERE user_id = ${userId})`);
}

/**
 * The one DM room of a pair, made on first use. The unique `dm_key` decides any race:
 * every caller inserts-or-ignores, then reads the one row that won, in one transaction.
 */
export async function findOrCreateDm(db: Database, from: UserRow, to: UserRow): Promise<RoomRow> {
  const key = dmKey(from.id, to.id);
  const at = now();
  const [, , room] = await db.batch([
    db
      .insert(rooms)
      .values({
        title: `${from.username} - ${to.username}`,
        isGroup: false,
        dmKey: key,
        createdBy: from.id,
        createdAt: at,
      })
      .onConflictDoNothing(),
    db
      .insert(roomMembers)
      // Neither is its owner: a DM belongs to both, so neither alone may delete it.
      .select(sql`SELECT r.id, u.value, 'member', ${at}, NULL, 0
        FROM rooms r, json_each(${JSON.stringify([from.id, to.id])}) u WHERE r.dm_key = ${key}`)
      .onConflictDoNothing(),
    db.select().from(rooms).where(eq(rooms.dmKey, key)),
  ]);
  return room[0];
}

/** A group room with its creator as owner and the given members, in one transaction. */
export async function createGroupRoom(
  db: Database,
  title: string,
  creatorId: number,
  memberIds: number[],
  { open = false, jurisdiction = null }: { open?: boolean; jurisdiction?: Jurisdiction | null } = {},
): Promise<RoomRow> {
  const at = now();
  const others = memberIds.filter((id) => id !== creatorId);
  const [[room]] = await db.batch([
    db
      .insert(rooms)
      .values({ title, isGroup: true, createdBy: creatorId, createdAt: at, isOpen: open, jurisdiction })
      .returning(),
    // sqlite_sequence holds the id just given to the room: nothing else writes in between,
    // because a D1 batch is one transaction. Every column, in order: the level is the default (NULL), not hidden.
    db.insert(roomMembers).select(sql`
      SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'rooms'), ${creatorId}, 'owner', ${at}, NULL, 0
      UNION ALL
      SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'rooms'), value, 'member', ${at}, NULL, 0
      FROM json_each(${JSON.stringify(others)})`),
  ]);
  return room;
}

/** Adds members who are not in the room yet; returns the ids actually added. */
export async function addMembers(db: Database, roomId: number, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const added = await db
    .insert(roomMembers)
    .values(userIds.map((userId) => ({ roomId, userId, role: "member" as const, joinedAt: now() })))
    .onConflictDoNothing()
    .returning({ userId: roomMembers.userId });
  return added.map((row) => row.userId);
}

/**
 * Takes a member out of a room. A room left without members is deleted; a room left
 * without an owner passes ownership to its longest-standing member.
 */
export async function removeMember(db: Database, roomId: number, userId: number): Promise<void> {
  await db.batch([
    db.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId))),
    db
      .update(roomMembers)
      .set({ role: "owner" })
      .where(sql`room_id = ${roomId}
        AND NOT EXISTS (SELECT 1 FROM room_members WHERE room_id = ${roomId} AND role = 'owner')
        AND user_id = (SELECT user_id FROM room_members WHERE room_id = ${roomId} ORDER BY joined_at, user_id LIMIT 1)`),
    db.delete(rooms).where(sql`id = ${roomId} AND NOT EXISTS (SELECT 1 FROM room_members WHERE room_id = ${roomId})`),
  ]);
}

export async function renameRoom(db: Database, roomId: number, title: string): Promise<void> {
  await db.update(rooms).set({ title }).where(eq(rooms.id, roomId));
}

/** Deletes a room; its members and messages go with it (ON DELETE CASCADE). */
export async function deleteRoom(db: Database, roomId: number): Promise<void> {
  await db.delete(rooms).where(eq(rooms.id, roomId));
}

/** The DM room of a pair, if they have one. */
export async function findDm(db: Database, a: number, b: number): Promise<RoomRow | undefined> {
  return db
    .select()
    .from(rooms)
    .where(eq(rooms.dmKey, dmKey(a, b)))
    .get();
}

/** The id, title and jurisdiction of every room a user is in, for searching across them. */
export async function roomTitlesOf(db: Database, userId: number): Promise<(RoomAddress & { title: string })[]> {
  return db
    .select({ id: rooms.id, title: rooms.title, jurisdiction: rooms.jurisdiction })
    .from(rooms)
    .innerJoin(roomMembers, eq(roomMembers.roomId, rooms.id))
    .where(eq(roomMembers.userId, userId));
}

/**
 * The statement that puts a user made in the same batch into every default room. The user
 * is named by their fresh password hash: its random salt belongs to nobody else, and when
 * the batch's insert was skipped it names nobody, so nobody joins.
 */
export function joinDefaultRoomsStatement(db: Database, passwordHash: string) {
  return db
    .insert(roomMembers)
    .select(sql`SELECT r.id, u.id, 'member', ${now()}, NULL, 0
      FROM rooms r, users u WHERE r.is_default = 1 AND u.password = ${passwordHash}`)
    .onConflictDoNothing();
}

/** The default rooms a user is in: those a new user was just put into. */
export async function defaultRoomsOf(db: Database, userId: number): Promise<RoomRow[]> {
  return db
    .select()
    .from(rooms)
    .where(
      and(eq(rooms.isDefault, true), sql`${rooms.id} IN (SELECT room_id FROM room_members WHERE user_id = ${userId})`),
    );
}

/** An open room and how many people are in it, as the list of rooms to join shows it. */
export type OpenRoom = { room: RoomRow; memberCount: number };

/** A page of the open rooms a user is not in, the most people first, and how many there are. */
export async function openRoomsFor(
  db: Database,
  userId: number,
  page: { limit: number; offset: number },
): Promise<{ rows: OpenRoom[]; total: number }> {
  const notIn = and(
    eq(rooms.isOpen, true),
    sql`${rooms.id} NOT IN (SELECT room_id FROM room_members WHERE user_id = ${userId})`,
  );
  const memberCount = sql<number>`(SELECT count(*) FROM room_members m WHERE m.room_id = ${rooms.id})`;
  const [rows, [{ total }]] = await db.batch([
    db
      .select({ room: rooms, memberCount })
      .from(rooms)
      .where(notIn)
      .orderBy(sql`${memberCount} DESC`, asc(rooms.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(rooms).where(notIn),
  ]);
  return { rows, total };
}

/** Opens or closes a group room to everyone, and makes it one new people join or not, in one write. */
export async function setRoomFlags(
  db: Database,
  roomId: number,
  flags: { isOpen?: boolean; isDefault?: boolean },
): Promise<void> {
  await db.update(rooms).set(flags).where(eq(rooms.id, roomId));
}
