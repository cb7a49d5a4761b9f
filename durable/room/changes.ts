/**
 * Edits and deletes of the room's messages, which only their author may make. The rows
 * changed are D1's, so D1 first gets every message committed.
 */
import { database, now } from "../../core/db";
import { findMessage, rewriteMessage } from "../../core/db/messages";
import { isAuthor } from "../../core/policy";
import type { WireMessage } from "../../core/protocol";
import { toMessage } from "../../core/shapes";
import type { RoomContext } from "./context";

export type ChangeInput = { userId: number; messageId: number };
export type Change = { content: string; editedAt?: string; deletedAt?: string };
export type ChangeResult = { ok: true; message: WireMessage } | { ok: false; error: "not_found" | "not_allowed" };

/** A message's new text. */
export const edited = (content: string): Change => ({ content, editedAt: now() });
/** A deleted message: its text is gone, its place in history stays. */
export const deleted = (): Change => ({ content: "", deletedAt: now() });

/** Changes a message of the room's, if it is there and the user wrote it. */
export async function changeMessage(room: RoomContext, input: ChangeInput, change: Change): Promise<ChangeResult> {
  const db = database(room.env);
  const row = await findMessage(db, input.messageId);
  if (!row || row.roomId !== room.roomId || row.deletedAt !== null) return { ok: false, error: "not_found" };
  if (!isAuthor({ id: input.userId }, row)) return { ok: false, error: "not_allowed" };
  return { ok: true, message: toMessage(await rewriteMessage(db, row.id, change)) };
}
