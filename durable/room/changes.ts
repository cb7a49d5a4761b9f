/** Edits and deletes of the room's messages: their author makes them, and a superuser removes any. */
import { AttachmentLinks } from "../../core/attachments";
import { now } from "../../core/db";
import type { MessageRow } from "../../core/history";
import { canRemoveMessage, isAuthor } from "../../core/policy";
import type { RoomFrame, WireMessage } from "../../core/protocol";
import { toMessage } from "../../core/shapes";
import type { RoomContext } from "./context";
import type { MessageChange, MessageStore } from "./store";

export type ChangeInput = { userId: number; messageId: number };
/** A delete says whether its caller is a superuser, who may remove anyone's message. */
export type RemoveInput = ChangeInput & { superuser?: boolean };
/** A refusal says why in a code and a sentence, as the socket's error frame does. */
export type ChangeResult =
  | { ok: true; message: WireMessage }
  | { ok: false; error: "not_found" | "permission_denied"; why: string };

export class MessageChanges {
  constructor(
    private readonly room: RoomContext,
    private readonly store: MessageStore,
    private readonly broadcast: (frame: RoomFrame) => void,
    /** Tells the participants' inboxes, whose previews may change, and with `recount` their counts too. */
    private readonly changed: (message: WireMessage, recount: boolean) => void,
    /** The changed row as the room shows it (with its reactions). */
    private readonly shown: (row: MessageRow) => MessageRow,
  ) {}

  /** Edits a message of the user's, naming `mentions` now; everyone in the room sees the new text at once. */
  edit(input: ChangeInput & { content: string; mentions: number[] }): ChangeResult {
    const change = { content: input.content.toWellFormed(), editedAt: now(), mentions: input.mentions };
    return this.#change(input, change, "message_edited");
  }

  /**
   * Deletes a message of the user's, or anyone's for a superuser (marked removed by an
   * administrator): its text is gone, its place in history stays.
   */
  remove(input: RemoveInput): ChangeResult {
    const actor = { id: input.userId, isSuperuser: input.superuser === true };
    return this.#change(
      input,
      (row) => ({ content: "", deletedAt: now(), ...(isAuthor(actor, row) ? {} : { removedByAdmin: true as const }) }),
      "message_deleted",
      (row) => canRemoveMessage(actor, row),
    );
  }

  #change(
    input: ChangeInput,
    change: MessageChange | ((row: MessageRow) => MessageChange),
    type: "message_edited" | "message_deleted",
    allowed: (row: MessageRow) => boolean = (row) => isAuthor({ id: input.userId }, row),
  ): ChangeResult {
    const row = this.store.find(input.messageId);
    if (!row || row.deletedAt !== null) return { ok: false, error: "not_found", why: "No such message in this room." };
    if (!allowed(row)) return { ok: false, error: "permission_denied", why: "You can only change your own messages." };
    const links = new AttachmentLinks(this.room.env.JWT_SECRET);
    const rewrite = typeof change === "function" ? change(row) : change;
    const message = toMessage(this.shown(this.store.rewrite(row.id, rewrite)), links);
    this.broadcast({ type, message });
    // A delete changes unread counts; an edit, the mention counts when it named anyone before or now.
    this.changed(message, message.deleted || row.mentions !== undefined || message.mentions !== undefined);
    return { ok: true, message };
  }
}
