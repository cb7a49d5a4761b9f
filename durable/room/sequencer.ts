/**
 * Numbers and commits the room's messages. Ids are global, as the original's: blocks of
 * them come from D1 (reserveMessageIds), and within a room they rise in the order messages
 * are received, which is history's order.
 *
 * Group commit: in a busy room a message waits for the next turn of the event loop, so that
 * frames which have arrived already are committed with it; the store then syncs to disk once
 * for the group, not once a message. A message in a quiet room is committed at once, adding
 * nothing to its latency; so is a busy room's while its latest messages came from at most two
 * senders (a DM, two people in a quick exchange): each sender waits for its ack, so a group
 * there would hold two at most, which saves less than the turn it waits. The group is
 * broadcast in the turn it is committed, before anything else runs: so ids go out in their
 * order, and the output gate holds the broadcast (and the sender's ack) until it is durable.
 */

import { AttachmentLinks } from "../../core/attachments";
import { database, now } from "../../core/db";
import { reserveMessageIds } from "../../core/db/messages";
import type { Quote } from "../../core/history";
import type { WireMessage } from "../../core/protocol";
import { toWireMessage } from "../../core/shapes";
import type { RoomContext } from "./context";
import type { MessageStore, NewMessage } from "./store";
import type { ReplyInput } from "./threads";
import type { Uploads } from "./uploads";

/**
 * Ids a room's first block holds; each next block (while the object stays) twice as many, up
 * to LARGEST_ID_BLOCK. A block costs D1 one statement and one row of message_blocks, and ids
 * are plentiful (2^53): a room of a few hundred messages needs one block, a busy one a block
 * every 4,096 messages. A block's unused ids are lost only when its room is deleted.
 */
const FIRST_ID_BLOCK = 256;
const LARGEST_ID_BLOCK = 4096;
/** A room that committed messages this recently is busy: its next ones wait a turn... */
const BUSY_WITHIN_MS = 10;
/** ...when more than two senders wrote its latest this many messages. */
const RECENT_SENDERS = 8;

/**
 * A message to commit; `mentions`, the members it names, read by the room before it comes
 * here; `replyTo` quotes a message of the room, `thread` replies in a root's thread (see
 * threads.ts); `attachments`, ids of the sender's uploads to this room, which the message takes.
 */
export type PostInput = {
  senderId: number;
  content: string;
  clientId?: string;
  mentions?: number[];
  attachments?: string[];
} & ReplyInput;
/** A send whose reply was checked: the quote it carries, when it quotes. */
export type CheckedInput = PostInput & { quote?: Quote };
/** A received message; `isRetry` when its client id was stored before, and so nothing was committed now. */
export type Received = { message: WireMessage; isRetry: boolean };
/** A send refused because its attachments are not the sender's waiting uploads; nothing was stored. */
export type Refused = { refused: "attachments"; why: string };

type Waiting = {
  input: CheckedInput;
  resolve: (result: Received | Refused) => void;
  reject: (reason: unknown) => void;
};

export class Sequencer {
  /** The ids this room may give, from #nextId up to (not including) #endId. */
  #nextId = 0;
  #endId = 0;
  #blockSize = FIRST_ID_BLOCK;
  /** Messages received and not yet committed, in the order they came. */
  #waiting: Waiting[] = [];
  #lastCommitAt = 0;
  /** The senders of the latest RECENT_SENDERS messages committed, a ring written at #committedCount. */
  #recentSenders: number[] = [];
  #committedCount = 0;

  constructor(
    private readonly room: RoomContext,
    private readonly store: MessageStore,
    /** Sends a committed group to the room's sockets. */
    private readonly broadcast: (messages: WireMessage[]) => void,
    private readonly uploads: Uploads,
  ) {}

  /** Reads where numbering stands (on opening, and after a wipe). */
  open() {
    const block = this.store.idBlock();
    this.#nextId = Math.max(block?.firstId ?? 0, this.store.latestId() + 1);
    this.#endId = block?.endId ?? 0;
  }

  /**
   * Commits the message with the others waiting, and broadcasts the group. A retry (same
   * sender and client id) answers the message committed the first time and broadcasts nothing.
   */
  receive(input: CheckedInput): Promise<Received | Refused> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      if (this.#waiting.length > 1) return;
      const busy = Date.now() - this.#lastCommitAt < BUSY_WITHIN_MS;
      if (busy && !this.#fewSenders()) setTimeout(() => this.#commitWaiting(), 0);
      else this.#commitWaiting();
    });
  }

  /** Whether the latest messages came from at most two senders; counted without allocating, as it runs once a message. */
  #fewSenders(): boolean {
    let first: number | undefined;
    let second: number | undefined;
    for (const sender of this.#recentSenders) {
      if (sender === first || sender === second) continue;
      if (first === undefined) first = sender;
      else if (second === undefined) second = sender;
      else return false;
    }
    return true;
  }

  /** Commits the waiting messages in their order, as far as the ids go; the rest wait for the next block. */
  #commitWaiting() {
    this.#lastCommitAt = Date.now();
    const committed: WireMessage[] = [];
    // One set of links for the group: signing is the only cost files add to a send.
    const links = new AttachmentLinks(this.room.env.JWT_SECRET);
    while (this.#waiting.length > 0 && this.#nextId < this.#endId) {
      const waiting = this.#waiting.shift()!;
      try {
        const result = this.#commit(waiting.input, links);
        if (!("refused" in result) && !result.isRetry) committed.push(result.message);
        waiting.resolve(result);
      } catch (reason) {
        waiting.reject(reason);
      }
    }
    if (committed.length > 0) this.broadcast(committed);
    if (this.#waiting.length > 0) void this.#reserveBlock();
  }

  /** Gets a block of ids from D1, then commits the messages that waited for it. */
  async #reserveBlock() {
    try {
      const count = this.#blockSize;
      const firstId = await reserveMessageIds(database(this.room.env), count, this.room.roomId);
      this.store.saveIdBlock({ firstId, endId: firstId + count });
      [this.#nextId, this.#endId] = [firstId, firstId + count];
      this.#blockSize = Math.min(LARGEST_ID_BLOCK, count * 2);
    } catch (reason) {
      for (const waiting of this.#waiting.splice(0)) waiting.reject(reason);
      return;
    }
    this.#commitWaiting();
  }

  /**
   * Numbers the message and writes it to the store, with the uploads it takes; a retry
   * answers the first one.
   */
  #commit(input: CheckedInput, links: AttachmentLinks): Received | Refused {
    const message: NewMessage = {
      id: this.#nextId,
      senderId: input.senderId,
      // As SQLite will store it: a lone surrogate becomes U+FFFD.
      content: input.content.toWellFormed(),
      createdAt: now(),
      clientId: input.clientId ?? null,
      ...(input.mentions?.length ? { mentions: input.mentions } : {}),
      replyToId: input.replyTo,
      threadRootId: input.thread,
    };
    const retry = (): Received => ({
      message: toWireMessage(this.store.byClientId(input.senderId, message.clientId), links),
      isRetry: true,
    });
    // Only a send with files needs a transaction: claiming them and writing the message.
    const stored = input.attachments?.length
      ? this.store.transaction(() => this.#claimAndInsert(message, input.attachments!))
      : this.store.insert(message);
    if (stored !== true) return stored === false ? retry() : stored;
    this.#nextId += 1;
    this.#recentSenders[this.#committedCount++ % RECENT_SENDERS] = input.senderId;
    const { replyToId: _, threadRootId, ...row } = message;
    const committed = { ...row, roomId: this.room.roomId, editedAt: null, deletedAt: null };
    return {
      message: toWireMessage(
        {
          ...committed,
          ...(input.quote && { replyTo: input.quote }),
          ...(threadRootId !== undefined && { threadRoot: threadRootId }),
        },
        links,
      ),
      isRetry: false,
    };
  }

  /** Writes a message with the uploads it takes; false for a retry, whose uploads the first send took. */
  #claimAndInsert(message: NewMessage, ids: string[]): boolean | Refused {
    if (message.clientId !== null && this.store.hasClientId(message.senderId, message.clientId)) return false;
    const claim = this.uploads.claim(message.senderId, ids, Date.now());
    if (!claim.ok) return { refused: "attachments", why: claim.why };
    message.attachments = claim.files;
    return this.store.insert(message);
  }
}
