/**
 * The original's two ways to send: to a user (their DM room, made on first message) and
 * to a room you take part in. Both hand the message to the room's Durable Object, which
 * stores it before either answers 201. Error texts are the original's, word for word.
 *
 * An optional `client_id` (ours, not the original's) makes a retry safe, as on the socket:
 * a send whose answer was lost can be sent again with the same id, and the message is
 * stored once. The retry is answered like the first send (201 with the room), since for
 * the client both mean "your message is in".
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import { dmToSendTo, findOrCreateDm, roomToSendTo } from "../../core/db/rooms";
import type { RoomAddress } from "../../core/db/schema";
import { ApiError, describeIssues, forbidden } from "../../core/errors";
import { canPost } from "../../core/policy";
import { attachmentIds, clientId, MAX_MESSAGE_LENGTH, textOrFiles } from "../../core/protocol";
import { originOf, RoomSchema } from "../../core/shapes";
import { type PostInput, roomObject } from "../../durable/room";
import { NOT_IN_ROOM } from "../../durable/room/threads";
import { ROOM_ANSWER_MESSAGES, roomAnswer } from "../answers/rooms";
import { createApp } from "../app";
import { errors, idField, json, jsonBody } from "../openapi";

const retrySafe = clientId
  .optional()
  .describe(
    "Your own id for this message, 1 to 64 characters. A send repeated with the same client_id (by you, to the same room, over REST or the socket) is stored once, and answered 201 again with the room; the first text stands.",
  );
const replies = {
  reply_to: idField
    .optional()
    .describe("Quotes this message of the room (a quote-reply): it must be there and not deleted"),
  thread: idField
    .optional()
    .describe(
      "Replies in this message's thread: a message of the room, not deleted and not itself a thread reply (threads are one level deep)",
    ),
};
const text = z
  .string()
  .max(MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .optional()
  .describe("The text; may be left out or blank only when `attachments` are sent");
const files = attachmentIds
  .optional()
  .describe(
    "Ids of files you uploaded to this room (POST /api/v1/rooms/{id}/attachments/) and have not sent yet, up to 10; the message carries them in this order.",
  );
const ToUser = z
  .object({ user_id: idField, message: text, client_id: retrySafe, attachments: files, ...replies })
  .superRefine(textOrFiles("message"));
const ToRoom = z
  .object({ group_id: idField, message: text, client_id: retrySafe, attachments: files, ...replies })
  .superRefine(textOrFiles("message"));

const sendError = (message: string, fields?: Record<string, string>) => new ApiError(400, message, "invalid", fields);

/** The original answered any malformed send with this one text; `fields` says what exactly. */
const originalPayloadHook = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}): undefined => {
  if (!result.success)
    throw sendError("invalid payload to send messages", describeIssues(result.error?.issues ?? []).fields);
  return undefined;
};

/**
 * Hands the message to its room's object; 429 when the sender is over their rate, 400 for
 * files not theirs to send. Answers the room's latest messages, for the route's answer.
 */
async function post(env: Env, room: RoomAddress, input: PostInput) {
  // Answered once the participants' inboxes have it: a REST client's next room list shows it.
  const result = await roomObject(env, room).receive(input, { told: true, latest: ROOM_ANSWER_MESSAGES });
  if (!result.ok && result.error === "invalid") {
    const why = result.fields.attachments
      ? `These files cannot be sent: ${result.fields.attachments}.`
      : "invalid payload to send messages";
    throw sendError(why, result.fields);
  }
  if (!result.ok) {
    const retry = String(result.retryAfterSeconds);
    throw new ApiError(429, `You are sending too fast; try again in ${retry} s.`, "throttled", undefined, {
      "Retry-After": retry,
    });
  }
  return result.latest;
}

/** What both sends hand the room: the body's fields as the room takes them. */
const postInput = (senderId: number, body: z.infer<typeof ToUser> | z.infer<typeof ToRoom>): PostInput => ({
  senderId,
  content: body.message ?? "",
  clientId: body.client_id,
  attachments: body.attachments,
  replyTo: body.reply_to,
  thread: body.thread,
});

export const send = createApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/send_message_to_user",
      operationId: "sendMessageToUser",
      tags: ["Messages"],
      summary: "Send a direct message; the DM room is made on the first one",
      request: jsonBody(ToUser),
      responses: { 201: json(RoomSchema, "The DM room with its latest messages"), ...errors(400, 401, 415, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { user_id, attachments, reply_to, thread } = body;
      const sender = c.var.user;
      if (user_id === sender.id) throw sendError("the sender and the receiver can not be the same for new messages");
      const db = database(c.env);
      const { receiver, dm, people } = await dmToSendTo(db, sender.id, user_id);
      if (!receiver?.isActive) throw sendError("invalid user to chat with");
      // A DM not made yet has no message to reply to and no files: refused before it is made.
      if (!dm && reply_to !== undefined) throw sendError("invalid payload to send messages", { reply_to: NOT_IN_ROOM });
      if (!dm && thread !== undefined) throw sendError("invalid payload to send messages", { thread: NOT_IN_ROOM });
      if (!dm && attachments?.length)
        throw sendError("These files cannot be sent: upload them to the conversation first.", {
          attachments: "not files waiting to be sent in this conversation",
        });
      const room = dm ?? (await findOrCreateDm(db, sender, receiver));
      const latest = await post(c.env, room, postInput(sender.id, body));
      // A DM made just now has its two people, neither of them its owner.
      const known = { people: people ?? { participants: [sender, receiver], owner: null }, latest };
      return c.json(await roomAnswer(c.env, room, originOf(c.req.url), sender.id, known), 201);
    },
    originalPayloadHook,
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/send_message_to_room",
      operationId: "sendMessageToRoom",
      tags: ["Messages"],
      summary: "Send a message to a room you take part in",
      request: jsonBody(ToRoom),
      responses: { 201: json(RoomSchema, "The room with its latest messages"), ...errors(400, 401, 403, 415, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const found = await roomToSendTo(database(c.env), body.group_id, c.var.user.id);
      // The original's text, double space included: clients may match on it. The original
      // answered 400 for both; someone else's room is "not allowed", so ours says 403.
      const notInRoom = "the room you are trying to reaching does not exists or you are not  part of it";
      if (!found) throw sendError(notInRoom, { group_id: "no such room" });
      if (!canPost(found.member)) throw forbidden(notInRoom);
      const latest = await post(c.env, found.room, postInput(c.var.user.id, body));
      const known = { people: found.people, latest };
      return c.json(await roomAnswer(c.env, found.room, originOf(c.req.url), c.var.user.id, known), 201);
    },
    originalPayloadHook,
  );
