/**
 * One message: its author edits or deletes it, through the room's Durable Object so that
 * everyone in the room sees the change at once. The original's `messages/` took a sender
 * from the body and let anyone post as anyone; this one has no such door.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import { recordAudit } from "../../core/db/audit";
import { messageRoomAddress } from "../../core/db/messages";
import { findMember } from "../../core/db/rooms";
import type { RoomAddress, UserRow } from "../../core/db/schema";
import { forbidden, notFound } from "../../core/errors";
import { canRead, moderatesEveryRoom } from "../../core/policy";
import { messageText } from "../../core/protocol";
import { MessageSchema, seenBy } from "../../core/shapes";
import { type ChangeResult, roomObject } from "../../durable/room";
import { createApp } from "../app";
import { errors, idParam, json, jsonBody } from "../openapi";

const MessageId = z.object({ id: idParam });

/**
 * The room of a message the caller may see: found by the message's id block, which D1
 * records when the room reserves it, so a message acknowledged a moment ago is found too.
 * A moderator (a superuser) finds one in any room, to remove it.
 */
export async function roomOfVisibleMessage(
  env: Env,
  id: number,
  user: UserRow,
  { moderating = false }: { moderating?: boolean } = {},
): Promise<RoomAddress> {
  const db = database(env);
  const room = await messageRoomAddress(db, id);
  if (room === undefined) throw notFound("Message not found.");
  if (moderating && moderatesEveryRoom(user)) return room;
  if (!canRead(await findMember(db, room.id, user.id))) throw notFound("Message not found.");
  return room;
}

function answered(result: ChangeResult) {
  if (result.ok) return result.message;
  if (result.error === "permission_denied") throw forbidden("You can only change your own messages.");
  throw notFound("Message not found.");
}

export const messages = createApp()
  .openapi(
    createRoute({
      method: "patch",
      path: "/messages/{id}",
      operationId: "editMessage",
      tags: ["Messages"],
      summary: "Edit your message; the room sees the new text live",
      request: { params: MessageId, ...jsonBody(z.object({ content: messageText })) },
      responses: { 200: json(MessageSchema, "The edited message"), ...errors(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const room = await roomOfVisibleMessage(c.env, id, c.var.user);
      const result = await roomObject(c.env, room).edit({
        userId: c.var.user.id,
        messageId: id,
        content: c.req.valid("json").content,
      });
      return c.json(seenBy(answered(result), c.var.user.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/messages/{id}",
      operationId: "deleteMessage",
      tags: ["Messages"],
      summary: "Delete your message: its text is gone for everyone, its place in history stays",
      description:
        "A superuser deletes anyone's message, in any room: everyone in the room sees it `removed_by_admin`, and the audit list records it.",
      request: { params: MessageId },
      responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const user = c.var.user;
      const room = await roomOfVisibleMessage(c.env, id, user, { moderating: true });
      const removed = answered(
        await roomObject(c.env, room).remove({ userId: user.id, messageId: id, superuser: user.isSuperuser }),
      );
      if (removed.removed_by_admin) {
        await recordAudit(database(c.env), {
          actorId: user.id,
          action: "message_removed",
          targetUserId: removed.sender,
          roomId: room.id,
          messageId: id,
        });
      }
      return c.body(null, 204);
    },
  );
