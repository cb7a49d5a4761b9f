/**
 * Open rooms: the groups anyone signed in may find and join by themselves. The list shows
 * only open rooms the caller is not in; a closed room is never revealed (joining one you
 * are not in is a 404, as a room that does not exist).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import { addMembers, findMember, findRoom, openRoomsFor, participantsOf } from "../../core/db/rooms";
import { invalid, notFound } from "../../core/errors";
import { canJoin } from "../../core/policy";
import { originOf, RoomSchema } from "../../core/shapes";
import { roomAnswer } from "../answers/rooms";
import { createApp } from "../app";
import { errors, idParam, json, pageQuery, pageSchema, paginated } from "../openapi";
import { announceSelfJoined } from "../rooms/announcements";
import { MAX_PARTICIPANTS } from "./rooms";

const OpenRoomSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    timestamp: z.string(),
    member_count: z.number().int(),
  })
  .openapi("OpenRoom");

export const openRooms = createApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/open",
      operationId: "listOpenRooms",
      tags: ["Rooms"],
      summary: "Open rooms you are not in, the most people first, with how many are in each",
      request: { query: pageQuery },
      responses: { 200: json(pageSchema(OpenRoomSchema), "A page of open rooms to join"), ...errors(400, 401) },
    }),
    async (c) => {
      const page = c.req.valid("query");
      const { rows, total } = await openRoomsFor(database(c.env), c.var.user.id, page);
      const results = rows.map(({ room, memberCount }) => ({
        id: room.id,
        title: room.title,
        timestamp: room.createdAt,
        member_count: memberCount,
      }));
      return c.json(paginated(c.req.url, page, total, results), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/join",
      operationId: "joinRoom",
      tags: ["Rooms"],
      summary: "Join an open room (joining one you are in already changes nothing)",
      request: { params: z.object({ id: idParam }) },
      responses: { 200: json(RoomSchema, "The room, with you in it"), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const db = database(c.env);
      const id = c.req.valid("param").id;
      const [room, member] = await Promise.all([findRoom(db, id), findMember(db, id, c.var.user.id)]);
      if (!room || (!member && !canJoin(room))) throw notFound("Room not found.");
      if (!member) {
        const count = (await participantsOf(db, [room.id])).get(room.id)!.participants.length;
        if (count >= MAX_PARTICIPANTS) {
          throw invalid(`A room has at most ${MAX_PARTICIPANTS} participants.`, { id: "this room is full" });
        }
        const added = await addMembers(db, room.id, [c.var.user.id]);
        if (added.length > 0) await announceSelfJoined(c.env, room, c.var.user, originOf(c.req.url));
      }
      return c.json(await roomAnswer(c.env, room, originOf(c.req.url), c.var.user.id), 200);
    },
  );
