/**
 * Reactions: a member adds or takes back their own emoji on a message, through the room's
 * Durable Object, so that everyone in the room sees it at once.
 */

import { createRoute, z } from "@hono/zod-openapi";
import { AttachmentLinks } from "../../core/attachments";
import { invalid, notFound } from "../../core/errors";
import { MAX_REACTION_LENGTH, reactionEmoji } from "../../core/reactions";
import { MessageSchema, toMessage } from "../../core/shapes";
import { type ReactionResult, roomObject } from "../../durable/room";
import { createApp } from "../app";
import { errors, idParam, json } from "../openapi";
import { roomOfVisibleMessage } from "./messages";

const ReactionPath = z.object({
  id: idParam,
  emoji: z
    .string()
    .max(MAX_REACTION_LENGTH * 4, "is far too long for one emoji")
    .openapi({ description: "One emoji, URL-encoded: one of the quick ones or any other single emoji", example: "👍" }),
});

const reactionRoute = (method: "put" | "delete", operationId: string, summary: string) =>
  createRoute({
    method,
    path: "/messages/{id}/reactions/{emoji}",
    operationId,
    tags: ["Messages"],
    summary,
    request: { params: ReactionPath },
    responses: { 200: json(MessageSchema, "The message with its reactions"), ...errors(400, 401, 404) },
  });

/** The emoji of the path, in its one spelling; anything but a single emoji is a 400. */
function emojiOf(text: string): string {
  const emoji = reactionEmoji(text);
  if (emoji === undefined) throw invalid("A reaction is a single emoji.", { emoji: "must be exactly one emoji" });
  return emoji;
}

function answered(result: ReactionResult, viewer: number, env: Env) {
  if (result.ok) return toMessage(result.row, new AttachmentLinks(env.JWT_SECRET), viewer);
  if (result.error === "invalid") throw invalid(result.why, { emoji: result.why });
  throw notFound("Message not found.");
}

export const reactions = createApp()
  .openapi(
    reactionRoute("put", "addReaction", "React to a message with an emoji; reacting again changes nothing"),
    async (c) => {
      const { id, emoji: text } = c.req.valid("param");
      const emoji = emojiOf(text);
      const room = await roomOfVisibleMessage(c.env, id, c.var.user);
      const userId = c.var.user.id;
      const result = await roomObject(c.env, room).react({ userId, messageId: id, emoji, add: true });
      return c.json(answered(result, userId, c.env), 200);
    },
  )
  .openapi(
    reactionRoute(
      "delete",
      "removeReaction",
      "Take back your reaction; taking back one you did not make changes nothing",
    ),
    async (c) => {
      const { id, emoji: text } = c.req.valid("param");
      const emoji = emojiOf(text);
      const room = await roomOfVisibleMessage(c.env, id, c.var.user);
      const userId = c.var.user.id;
      const result = await roomObject(c.env, room).react({ userId, messageId: id, emoji, add: false });
      return c.json(answered(result, userId, c.env), 200);
    },
  );
