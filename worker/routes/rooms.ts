/**
 * Rooms: groups made with rooms/, and the DMs that send_message_to_user/ makes. Only
 * participants see a room and its history; its owner (the creator) or a superuser renames
 * it, deletes it and removes people; any participant adds people to a group or leaves it.
 */

import { createRoute, z } from "@hono/zod-openapi";
import { AttachmentLinks } from "../../core/attachments";
import { type Database, database } from "../../core/db";
import {
  addMembers,
  createGroupRoom,
  deleteRoom,
  findMember,
  participantsOf,
  removeMember,
  renameRoom,
  setRoomFlags,
} from "../../core/db/rooms";
import { findUsersByIds } from "../../core/db/users";
import { forbidden, invalid, notFound } from "../../core/errors";
import type { MessageRow } from "../../core/history";
import { NOTIFY_LEVELS, notifyLevel } from "../../core/notify";
import { canChangeOpenness, canManage, canMarkDefault, canRead } from "../../core/policy";
import { RoomNote } from "../../core/protocol";
import { JURISDICTIONS } from "../../core/protocol-constants";
import { MessageSchema, originOf, RoomSchema, toMessage, toRoom, withFreshLinks } from "../../core/shapes";
import { MAX_NOTES_PER_PAGE, roomObject } from "../../durable/room";
import { pageOfRooms, roomAnswer } from "../answers/rooms";
import { userAnswers } from "../answers/users";
import { createApp } from "../app";
import { errors, idField, idParam, json, jsonBody, pageQuery, pageSchema, paginated } from "../openapi";
import { roomToAddTo, roomToManage, roomToRead, roomToRemoveFrom } from "../rooms/access";
import {
  announceCreated,
  announceDeleted,
  announceJoined,
  announceLeft,
  announceRenamed,
} from "../rooms/announcements";
import { historyAround } from "../rooms/history-around";
import { allowedJurisdictions } from "../rooms/jurisdictions";

/** Most participants a room takes at once, and in all. */
export const MAX_PARTICIPANTS = 500;

const title = z.string().trim().min(1, "must not be blank").max(255);
const participantIds = z.array(idField).max(MAX_PARTICIPANTS);

const open = z.boolean().openapi({ description: "Anyone signed in may find and join the room" });
const NewRoom = z.object({
  title,
  participants: participantIds.default([]),
  open: open.default(false),
  jurisdiction: z.enum(JURISDICTIONS).optional().openapi({
    description:
      "Keep the room's messages in this jurisdiction (its Durable Object is created there); only those the ROOM_JURISDICTIONS setting allows",
  }),
});
const isDefault = z
  .boolean()
  .openapi({ description: "New people join the room when their account is made (superusers only)" });
const RoomChanges = z
  .object({ title: title.optional(), open: open.optional(), default: isDefault.optional() })
  .refine((changes) => changes.title !== undefined || changes.open !== undefined || changes.default !== undefined, {
    message: "give a title, open or default",
    path: ["title"],
  });
const NewMembers = z.object({ participants: participantIds.min(1) });
const RoomId = z.object({ id: idParam });
const MemberPath = z.object({ id: idParam, user_id: idParam });
const HistoryQuery = z.object({
  before: idParam.optional(),
  after: idParam.optional(),
  around: idParam.optional(),
  thread: idParam.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const RoomListQuery = pageQuery.extend({
  hidden: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true`: the rooms you hid (and only those), so that you can bring them back" }),
});
const RoomSummarySchema = RoomSchema.extend({
  unread_count: z.number().int(),
  mention_count: z.number().int().openapi({ description: "Of your unread messages, the ones that mention you" }),
  notify: z
    .enum(NOTIFY_LEVELS)
    .openapi({ description: "Your notification level here, the room kind's default applied" }),
  hidden: z
    .boolean()
    .openapi({ description: "Whether you hid the room: hidden rooms are listed only with `hidden=true`" }),
}).openapi("RoomSummary");
const HistoryPage = z
  .object({
    messages: z.array(MessageSchema),
    has_more: z.boolean(),
    has_newer: z
      .boolean()
      .optional()
      .openapi({ description: "With `around=` only: whether newer messages than the page's last exist" }),
    thread: z.number().int().optional().openapi({
      description:
        "With `around=` a thread reply only: the page is around the reply's root (replies are not in the main timeline), and this is the root's id",
    }),
    notes: z
      .array(RoomNote)
      .optional()
      .openapi({
        description: `Main timeline pages only: the joins, leaves, removals and renames within the page, oldest first, each placed after the message \`after\` names (at most ${MAX_NOTES_PER_PAGE}, the latest); absent when none`,
      }),
  })
  .openapi("HistoryPage");

/** A page's `notes`, left out when it has none. */
const withNotes = (notes: RoomNote[] | undefined) => (notes?.length ? { notes } : {});

/** Refuses ids of users who do not exist or are inactive, naming them. */
async function assertUsersExist(db: Database, ids: number[]): Promise<void> {
  const found = new Set((await findUsersByIds(db, ids)).filter((u) => u.isActive).map((u) => u.id));
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    throw invalid("Some participants do not exist.", { participants: `unknown users: ${unknown.join(", ")}` });
  }
}

export const rooms = createApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms",
      operationId: "listRooms",
      tags: ["Rooms"],
      summary: "Your rooms, most recent activity first, each with its latest message and your unread count",
      request: { query: RoomListQuery },
      responses: { 200: json(pageSchema(RoomSummarySchema), "A page of your rooms"), ...errors(400, 401) },
    }),
    async (c) => {
      const { hidden, ...page } = c.req.valid("query");
      const db = database(c.env);
      const { rows, total } = await pageOfRooms(c.env, c.var.user.id, page, hidden === "true");
      const people = await participantsOf(
        db,
        rows.map(({ room }) => room.id),
      );
      const everyone = [
        ...new Map(
          [...people.values()].flatMap(({ participants }) => participants).map((user) => [user.id, user]),
        ).values(),
      ];
      const users = new Map((await userAnswers(c.env, originOf(c.req.url), everyone)).map((user) => [user.id, user]));
      const links = new AttachmentLinks(c.env.JWT_SECRET);
      const results = rows.map(({ room, summary, notify, hidden }) => ({
        ...toRoom(
          room,
          people.get(room.id)!.participants.map((user) => users.get(user.id)!),
          people.get(room.id)!.owner,
          summary.latest ? [withFreshLinks(summary.latest, links)] : [],
        ),
        unread_count: summary.unread,
        mention_count: summary.mentions,
        notify: notifyLevel(notify, room.isGroup),
        hidden,
      }));
      return c.json(paginated(c.req.url, page, total, results), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms",
      operationId: "createRoom",
      tags: ["Rooms"],
      summary: "Create a group room; you are its owner and a participant",
      request: jsonBody(NewRoom),
      responses: { 201: json(RoomSchema, "The new room"), ...errors(400, 401, 415) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const db = database(c.env);
      const memberIds = [...new Set(input.participants)];
      if (input.jurisdiction && !allowedJurisdictions(c.env).includes(input.jurisdiction)) {
        throw invalid("This installation does not keep rooms in that jurisdiction.", {
          jurisdiction: `must be one of: ${allowedJurisdictions(c.env).join(", ") || "none allowed here"}`,
        });
      }
      await assertUsersExist(db, memberIds);
      const room = await createGroupRoom(db, input.title.toWellFormed(), c.var.user.id, memberIds, {
        open: input.open,
        jurisdiction: input.jurisdiction ?? null,
      });
      await announceCreated(c.env, room, memberIds, c.var.user.id);
      return c.json(await roomAnswer(c.env, room, originOf(c.req.url), c.var.user.id), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}",
      operationId: "getRoom",
      tags: ["Rooms"],
      summary: "One of your rooms, with its latest 50 messages",
      request: { params: RoomId },
      responses: { 200: json(RoomSchema, "The room"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room } = await roomToRead(db, c.req.valid("param").id, c.var.user);
      return c.json(await roomAnswer(c.env, room, originOf(c.req.url), c.var.user.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/rooms/{id}",
      operationId: "renameRoom",
      tags: ["Rooms"],
      summary:
        "Rename a group room, open or close it (its owner or a superuser), or make it a default room (superusers)",
      request: { params: RoomId, ...jsonBody(RoomChanges) },
      responses: { 200: json(RoomSchema, "The renamed room"), ...errors(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room, member } = await roomToManage(db, c.req.valid("param").id, c.var.user);
      const changes = c.req.valid("json");
      if (!room.isGroup && changes.open !== undefined)
        throw invalid("A direct message is never open.", { open: "direct messages stay between their two people" });
      if (!room.isGroup && changes.default !== undefined)
        throw invalid("A direct message is never joined by new people.", {
          default: "direct messages stay between their two people",
        });
      if (!room.isGroup)
        throw invalid("A direct message cannot be renamed.", { title: "direct messages keep their title" });
      // Every change is allowed before any is written: a refused one changes nothing.
      if (changes.open !== undefined && !canChangeOpenness(c.var.user, room, member))
        throw forbidden("Only who manages a room opens or closes it.");
      if (changes.default !== undefined && !canMarkDefault(c.var.user, room))
        throw forbidden("Only a superuser chooses the rooms new people join.");
      if (changes.open !== undefined || changes.default !== undefined)
        await setRoomFlags(db, room.id, { isOpen: changes.open, isDefault: changes.default });
      // A lone surrogate would be stored as something else than answered: it becomes U+FFFD in both.
      const title = changes.title?.toWellFormed();
      if (title !== undefined) {
        await renameRoom(db, room.id, title);
        await announceRenamed(c.env, room, title, c.var.user.id);
      }
      const changed = {
        ...room,
        title: title ?? room.title,
        isOpen: changes.open ?? room.isOpen,
        isDefault: changes.default ?? room.isDefault,
      };
      const answer = await roomAnswer(c.env, changed, originOf(c.req.url), c.var.user.id);
      // A superuser may rename a room they are not in, but only participants read it.
      return c.json(canRead(member) ? answer : { ...answer, messages: [] }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}",
      operationId: "deleteRoom",
      tags: ["Rooms"],
      summary: "Delete a group room and its history (its owner or a superuser); a DM, superusers only",
      request: { params: RoomId },
      responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room, member } = await roomToManage(db, c.req.valid("param").id, c.var.user);
      if (!canManage(c.var.user, room, member)) {
        throw forbidden("A direct message belongs to both its participants; only a superuser can delete it.");
      }
      const members = (await participantsOf(db, [room.id])).get(room.id)!.participants;
      await deleteRoom(db, room.id);
      await announceDeleted(
        c.env,
        room,
        members.map((user) => user.id),
      );
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/messages",
      operationId: "listRoomMessages",
      tags: ["Messages"],
      summary: "A page of a room's history, oldest first",
      description:
        "`before=<id>` pages back from a message; `after=<id>` gives what came after one (catching up). `has_more` says whether another page lies in that direction. `around=<id>` gives a page centred on one message of this room (for a link to it): about half the limit before it, the message, the rest after; there `has_more` says whether older messages exist and `has_newer` whether newer ones do. `around` is given alone; a message not in this room is a 404. The pages are the room's main timeline: thread replies are left out, and a thread's root carries its `thread` summary. `thread=<root id>` pages that root's thread instead (its replies, oldest first, the root itself left out), with `before`, `after` and `limit` as above; a root not in this room (or a thread reply) is a 404.",
      request: { params: RoomId, query: HistoryQuery },
      responses: { 200: json(HistoryPage, "Messages, oldest first"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room } = await roomToRead(db, c.req.valid("param").id, c.var.user);
      const { before, after, around, thread, limit } = c.req.valid("query");
      if (before !== undefined && after !== undefined) {
        throw invalid("Give before or after, not both.", { before: "cannot be combined with after" });
      }
      if (around !== undefined && (before !== undefined || after !== undefined)) {
        throw invalid("Give around alone, without before or after.", {
          around: "cannot be combined with before or after",
        });
      }
      const links = new AttachmentLinks(c.env.JWT_SECRET);
      const shown = (row: MessageRow) => toMessage(row, links, c.var.user.id);
      if (thread !== undefined && around !== undefined) {
        throw invalid("Give thread without around.", { around: "cannot be combined with thread" });
      }
      if (thread !== undefined) {
        const page = await roomObject(c.env, room).threadHistory({ thread, before, after, limit });
        if (!page) throw notFound("No such thread in this room.");
        return c.json({ messages: page.rows.map(shown), has_more: page.hasMore }, 200);
      }
      if (around !== undefined) {
        const page = await historyAround(roomObject(c.env, room), around, limit);
        const answer = {
          messages: page.rows.map(shown),
          has_more: page.hasMore,
          has_newer: page.hasNewer,
          ...withNotes(page.notes),
        };
        return c.json(page.threadRoot === undefined ? answer : { ...answer, thread: page.threadRoot }, 200);
      }
      const page = await roomObject(c.env, room).history({ before, after, limit }, { notes: true });
      return c.json({ messages: page.rows.map(shown), has_more: page.hasMore, ...withNotes(page.notes) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/members",
      operationId: "addRoomMembers",
      tags: ["Rooms"],
      summary: "Add people to a group room (any participant)",
      request: { params: RoomId, ...jsonBody(NewMembers) },
      responses: { 200: json(RoomSchema, "The room with its new participants"), ...errors(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room } = await roomToAddTo(db, c.req.valid("param").id, c.var.user);
      if (!room.isGroup)
        throw invalid("A direct message has exactly two participants.", {
          participants: "cannot be added to a direct message",
        });
      const ids = [...new Set(c.req.valid("json").participants)];
      await assertUsersExist(db, ids);
      const current = (await participantsOf(db, [room.id])).get(room.id)!.participants;
      if (new Set([...current.map((u) => u.id), ...ids]).size > MAX_PARTICIPANTS) {
        throw invalid(`A room has at most ${MAX_PARTICIPANTS} participants.`, { participants: "too many" });
      }
      const joined = await findUsersByIds(db, await addMembers(db, room.id, ids));
      await announceJoined(c.env, room, joined, c.var.user.id, originOf(c.req.url));
      return c.json(await roomAnswer(c.env, room, originOf(c.req.url), c.var.user.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}/members/{user_id}",
      operationId: "removeRoomMember",
      tags: ["Rooms"],
      summary: "Remove someone from a group room (its owner or a superuser), or leave it yourself",
      request: { params: MemberPath },
      responses: { 204: { description: "Removed" }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = database(c.env);
      const { id, user_id } = c.req.valid("param");
      const { room } = await roomToRemoveFrom(db, id, c.var.user, user_id);
      if (!room.isGroup)
        throw invalid("A direct message has exactly two participants.", { user_id: "cannot leave a direct message" });
      if (!(await findMember(db, room.id, user_id))) throw notFound("That user is not a participant of this room.");
      await removeMember(db, room.id, user_id);
      await announceLeft(c.env, room, [user_id], c.var.user.id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/leave",
      operationId: "leaveRoom",
      tags: ["Rooms"],
      summary: "Leave a group room",
      request: { params: RoomId },
      responses: { 204: { description: "Left" }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = database(c.env);
      const { room } = await roomToRemoveFrom(db, c.req.valid("param").id, c.var.user, c.var.user.id);
      if (!room.isGroup) throw invalid("A direct message cannot be left.", { id: "is a direct message" });
      await removeMember(db, room.id, c.var.user.id);
      await announceLeft(c.env, room, [c.var.user.id], c.var.user.id);
      return c.body(null, 204);
    },
  );
