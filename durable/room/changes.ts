/**
 * Edits and deletes of the room's messages, which only their author may make. The rows
 * changed are D1's, so D1 first gets every message committed.
 */
import { database, now } from "../../core/db";
import { findMessage, rewriteMessage } from "../../core/db/messages";
import { isAuthor } from "../../core/policy";
import type { RoomFrame, WireMessage } from "../../core/protocol";
import { toMessage } from "../../core/shapes";
import type { RoomContext } from "./context";

export type ChangeInput = { userId: number; messageId: number };
/** A refusal says why in a code and a sentence, as the socket's error frame does. */
export type ChangeResult =
  | { ok: true; message: WireMessage }
  | { ok: false; error: "not_found" | "permission_denied"; why: string };
type Change = { content: string; editedAt?: string; deletedAt?: string };

export class MessageChanges {
  constructor(
    private readonly room: RoomContext,
    /** Resolves once D1 has every message committed. */
    private readonly flush: () => Promise<void>,
    private readonly broadcast: (frame: RoomFrame) => void,
  ) {}

  /** Edits a message of the user's; everyone in the room sees the new text at once. */
  edit(input: ChangeInput & { content: string }): Promise<ChangeResult> {
    return this.#change(input, { content: input.content, editedAt: now() }, "message_edited");
  }

  /** Deletes a message of the user's: its text is gone, its place in history stays. */
  remove(input: ChangeInput): Promise<ChangeResult> {
    return this.#change(input, { content: "", deletedAt: now() }, "message_deleted");
  }

  async #change(input: ChangeInput, change: Change, type: "message_edited" | "message_deleted"): Promise<ChangeResult> {
    await this.flush();
    const db = database(this.room.env);
    const row = await findMessage(db, input.messageId);
    if (!row || row.roomId !== this.room.roomId || row.deletedAt !== null)
      return { ok: false, error: "not_found", why: "No such message in this room." };
    if (!isAuthor({ id: input.userId }, row))
      return { ok: false, error: "permission_denied", why: "You can only change your own messages." };
    const message = toMessage(await rewriteMessage(db, row.id, change));
    this.broadcast({ type, message });
    return { ok: true, message };
  }
}
