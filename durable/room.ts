/**
 * One Durable Object per room: the single writer of its room's messages.
 *
 * Where messages live, and why: in D1, written only by this object. D1 gives one history
 * that REST pages, unread counts across all of a user's rooms, and an import from the
 * original can all query; a team's chat stays far below D1's ~1,000 writes/s. This object
 * is what orders a room: it stores one message at a time, so ids within a room are the
 * order in which it acknowledges them. Awaiting D1 does not hold the input gate, so that
 * one-at-a-time is an explicit queue here, not something the runtime gives for free.
 */
import { DurableObject } from "cloudflare:workers";
import { database } from "../worker/db";
import { findSentMessage, insertMessage } from "../worker/db/messages";
import type { MessageRow } from "../worker/db/schema";

export type PostInput = { roomId: number; senderId: number; content: string; clientId?: string };

export class Room extends DurableObject<Env> {
  #writes: Promise<unknown> = Promise.resolve();

  /** Runs writes one after another; a failed write does not stop the ones behind it. */
  #serialised<T>(write: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(write);
    this.#writes = result.catch(() => undefined);
    return result;
  }

  /**
   * Stores a message and returns it once it is durable. A retry with the same client id
   * returns the message stored the first time instead of storing it again.
   */
  async post(input: PostInput): Promise<MessageRow> {
    return this.#serialised(async () => {
      const db = database(this.env);
      if (input.clientId !== undefined) {
        const earlier = await findSentMessage(db, input.roomId, input.senderId, input.clientId);
        if (earlier) return earlier;
      }
      return insertMessage(db, input);
    });
  }
}

/** The object that owns a room. */
export function roomObject(env: Env, roomId: number) {
  return env.ROOM.get(env.ROOM.idFromName(`room:${roomId}`));
}
