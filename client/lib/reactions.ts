/**
 * Reactions as the client keeps them: a `reaction` frame applied to its message. Applying
 * one is idempotent, so the REST answer to my own reaction and its frame may come in any order.
 */
import type { RoomFrame, WireMessage } from "../../core/protocol";

export type Reaction = NonNullable<WireMessage["reactions"]>[number];
type ReactionFrame = Extract<RoomFrame, { type: "reaction" }>;

/** The message with the frame's reaction added or taken back. */
export function withReaction(message: WireMessage, frame: ReactionFrame): WireMessage {
  const reactions = message.reactions ?? [];
  const found = reactions.find((r) => r.emoji === frame.emoji);
  const had = found?.users.includes(frame.user) ?? false;
  if (had === frame.added) return message;
  const users = frame.added ? [...(found?.users ?? []), frame.user] : found!.users.filter((u) => u !== frame.user);
  const changed = { emoji: frame.emoji, count: users.length, users };
  const next = found
    ? reactions.map((r) => (r === found ? changed : r)).filter((r) => r.count > 0)
    : [...reactions, changed];
  const { reactions: _, ...rest } = message;
  return next.length > 0 ? { ...rest, reactions: next } : rest;
}

/** Whether I reacted: REST says so, socket frames leave it to the reader. */
export const isMine = (reaction: Reaction, me: number) => reaction.users.includes(me);
