/**
 * One Durable Object per room: the single writer of its room's messages and the holder of
 * its WebSockets.
 *
 * Where messages live, and why: a message is taken when this object writes it to its own
 * SQLite, numbered; the ack and the broadcast go out in the same turn, and the output gate
 * holds both until that write is durable. D1 then gets a copy just behind (#copied), many
 * messages a round trip, because D1 is what REST pages, unread counts across all of a
 * user's rooms and an import from the original query. So a send costs no D1 round trip
 * of its own: a busy room's speed is this object's, not D1's ~1,000 writes a second.
 *
 * - Ids are global, as the original's: blocks of them come from D1 (reserveMessageIds),
 *   and within a room they rise in the order sockets receive messages, history's order.
 * - Until D1 has a message, this object's store holds its text: history read through this
 *   object (#history) is D1's and the store's together, so an acknowledged message is in
 *   history at once, also while D1 is failing. Edits, deletes and read marks wait until D1
 *   has every message taken (they change D1's rows).
 * - The store keeps every message's id, sender and client id after D1 has it, which is how
 *   a retried send is known without a round trip.
 * - A copy that fails is tried again by the alarm; sends go on until COPY_BACKLOG messages
 *   wait, then fail until D1 is back.
 *
 * Sockets use the hibernation API: the object may be evicted while sockets stay open; who a
 * socket belongs to lives in its attachment, and pings are answered without waking it.
 *
 * What inbox news needs of the room (its title, kind and member ids) is kept in memory, so
 * a message costs D1 nothing more: the worker tells this object of every change to them
 * (membersChanged, renamed, roomDeleted), which drops the copy, and after an eviction it is
 * read again on the next news.
 */
import { DurableObject } from "cloudflare:workers";
import { database, now } from "../core/db";
import {
  copyMessages,
  findMessage,
  type HistoryQuery,
  historyRows,
  latestMessageId,
  MAX_MESSAGES_A_COPY,
  pageOf,
  reserveMessageIds,
  rewriteMessage,
  type TakenMessage,
  unreadCounts,
} from "../core/db/messages";
import { markRead, readPositions } from "../core/db/reads";
import { roomForNews } from "../core/db/rooms";
import type { MessageRow } from "../core/db/schema";
import { errorBody } from "../core/errors";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../core/presence";
import {
  type ClientFrame,
  PING,
  PONG,
  parseClientFrame,
  type RoomFrame,
  SEND_BURST,
  SEND_PER_SECOND,
  SUBPROTOCOL,
  TYPING_LASTS_MS,
  type WireMessage,
} from "../core/protocol";
import { toMessage } from "../core/shapes";
import { inboxObject } from "./inbox";
import { closeSilentSockets } from "./keep-alive";

/** Most sockets one user may hold open in one room (tabs and devices). */
export const MAX_SOCKETS_PER_USER = 8;
/** How long news for the inboxes gathers before it goes out. */
const INBOX_BATCH_MS = 100;
/** Ids a room's first block holds; each next block (while the object stays) twice as many, up to LARGEST_ID_BLOCK. */
const FIRST_ID_BLOCK = 16;
const LARGEST_ID_BLOCK = 1024;
/** A room that took messages this recently is busy: its next ones wait a turn (see #store). */
const BUSY_WITHIN_MS = 10;
/** Messages that may wait for D1 before sends fail: D1 has been failing a while by then. */
export const COPY_BACKLOG = 2000;
/**
 * How long a taken message waits, at most, for others to share its copy to D1. Copying each
 * message at once, even only in quiet rooms, cost a room of 10 sending flat out a third of
 * its throughput: under load, rooms often look quiet between two acks.
 */
const COPY_AFTER_MS = 50;
/** How long after a failed copy the next is tried (by the alarm, which outlives an eviction). */
const COPY_RETRY_MS = 2000;
/** Most messages a catch-up sends; past it, `has_more` tells the client to page over REST. */
export const CATCH_UP_LIMIT = 1000;

/** The header the worker sets on an upgrade it has authenticated; never taken from a client. */
export const TRUSTED_USER_HEADER = "x-condor-user";

type Attachment = { userId: number; connectedAt: number };
type NewsFacts = NonNullable<Awaited<ReturnType<typeof roomForNews>>>;
export type PostInput = { senderId: number; content: string; clientId?: string };
type Stored = { message: WireMessage; stored: boolean };
/** A message as the room's store holds it; content is NULL once D1 has the message. */
type StoreRow = { id: number; sender_id: number; client_id: string | null; created_at: string; content: string | null };
export type PostResult = ({ ok: true } & Stored) | { ok: false; error: "rate_limited"; retryAfterSeconds: number };
export type ChangeResult = { ok: true; message: WireMessage } | { ok: false; error: "not_found" | "not_allowed" };
export type MemberSummary = { id: number; username: string; full_name: string; avatar_url: string };

export class Room extends DurableObject<Env> {
  /** Catch-ups and changes to stored messages run one at a time (see #serialised). */
  #queue: Promise<unknown> = Promise.resolve();
  /** The ids this object may give, from #nextId up to (not including) #endId. */
  #nextId = 0;
  #endId = 0;
  #idBlock = FIRST_ID_BLOCK;
  /** Messages waiting to be taken, in the order they came. */
  #untaken: {
    input: PostInput;
    resolve: (result: Stored | Promise<Stored>) => void;
    reject: (reason: unknown) => void;
  }[] = [];
  /** When messages were last taken: a room that took some this recently is busy (see #store). */
  #lastTakeAt = 0;
  /** Messages taken that D1 does not have yet. */
  #uncopied = 0;
  /** The copies to D1 run one after another; #nextCopy is the one not started yet, which new messages join. */
  #copies: Promise<unknown> = Promise.resolve();
  #nextCopy: Promise<void> | undefined;
  /** A copy that will start shortly (see #copySoon). */
  #copyTimer: ReturnType<typeof setTimeout> | undefined;
  /** After a failed copy, new messages leave the next try to the alarm rather than each trying. */
  #copyPausedUntil = 0;
  /** Stored messages that participants' inboxes have not heard of yet. */
  #inboxQueue: WireMessage[] = [];
  /** Send allowance per user; lost on eviction, which only ever makes it more lenient. */
  #buckets = new Map<number, { tokens: number; at: number }>();
  #allowance: { burst: number; perSecond: number };
  /** What inbox news needs of the room, read once (see roomForNews); undefined until then or after a change. */
  #newsFacts: Promise<NewsFacts | undefined> | undefined;
  /**
   * Who is typing, until when: storage's copy, read once, then kept in step here, as only
   * this object writes it (a send checks it, so a message costs no storage read).
   */
  #typists: Record<string, number> | undefined;
  /** Set once this DM has had news told: nothing later can be its first message. */
  #dmOpened = false;
  /**
   * Sockets still being sent what they missed, with the frames broadcast meanwhile: those
   * go out after the catch-up, less the messages it already sent. Memory is enough, and
   * spares reading every socket's attachment on every broadcast: only an idle object
   * hibernates, and a catch-up is work in flight, so the map cannot be lost before a
   * catch-up ends. An eviction in the middle of one (a deploy, a crash) loses the catch-up
   * itself, which a flag in the attachment could not save either.
   */
  #catchingUp = new Map<WebSocket, RoomFrame[]>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#allowance = sendAllowance(env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.#openStore();
    // Left over from before an eviction: D1 gets it now rather than at the next message.
    if (this.#uncopied > 0) this.#copySoon();
  }

  get #sql() {
    return this.ctx.storage.sql;
  }

  /** Makes the store's tables if need be, and reads where numbering and copying stand. */
  #openStore() {
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY,
        sender_id INTEGER NOT NULL,
        client_id TEXT,
        created_at TEXT NOT NULL,
        content TEXT
      );
      CREATE UNIQUE INDEX IF NOT EXISTS messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS messages_uncopied ON messages (id) WHERE content IS NOT NULL;
      CREATE TABLE IF NOT EXISTS id_block (only INTEGER PRIMARY KEY CHECK (only = 1), first_id INTEGER NOT NULL, end_id INTEGER NOT NULL);
    `);
    const block = this.#sql
      .exec<{ first_id: number; end_id: number }>("SELECT first_id, end_id FROM id_block")
      .toArray()[0];
    this.#nextId = Math.max(block?.first_id ?? 0, this.#latestTaken() + 1);
    this.#endId = block?.end_id ?? 0;
    this.#uncopied = this.#countUncopied();
  }

  #latestTaken(): number {
    return this.#sql.exec<{ id: number | null }>("SELECT max(id) AS id FROM messages").one().id ?? 0;
  }

  #countUncopied(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE content IS NOT NULL").one().n;
  }

  /** Runs catch-ups and changes one after another; a failed one does not stop the ones behind it. */
  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #send(ws: WebSocket, frame: RoomFrame) {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket closed under us; its close handler tidies up.
    }
  }

  #broadcast(frame: RoomFrame, except?: WebSocket) {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws === except) continue;
      const held = this.#catchingUp.get(ws);
      if (held) {
        // One message a frame, so the catch-up can tell which of them it has sent.
        if (frame.type === "messages")
          held.push(...frame.messages.map((message) => ({ type: "message", message }) as const));
        else held.push(frame);
        continue;
      }
      try {
        ws.send(text);
      } catch {
        // As in #send.
      }
    }
  }

  #who(ws: WebSocket): Attachment {
    return ws.deserializeAttachment() as Attachment;
  }

  #usersHere(except?: WebSocket): number[] {
    const ids = new Set<number>();
    for (const ws of this.ctx.getWebSockets()) if (ws !== except) ids.add(this.#who(ws).userId);
    return [...ids].sort((a, b) => a - b);
  }

  /** The room this object owns, from the name it is addressed by (see roomObject). */
  get #roomId(): number {
    return Number(this.ctx.id.name!.slice(ROOM_NAME_PREFIX.length));
  }

  /** Takes one send from a user's allowance; false when it is used up. */
  #allowSend(userId: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const at = Date.now();
    const { burst, perSecond } = this.#allowance;
    const bucket = this.#buckets.get(userId) ?? { tokens: burst, at };
    const tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * perSecond);
    if (tokens < 1) {
      this.#buckets.set(userId, { tokens, at });
      return { ok: false, retryAfterSeconds: Math.ceil((1 - tokens) / perSecond) };
    }
    this.#buckets.set(userId, { tokens: tokens - 1, at });
    return { ok: true };
  }

  /** An authenticated member's upgrade, handed over by the worker. */
  async fetch(request: Request): Promise<Response> {
    const userId = Number(request.headers.get(TRUSTED_USER_HEADER));
    const roomId = this.#roomId;
    const afterText = new URL(request.url).searchParams.get("after");
    const after = afterText === null ? undefined : Number(afterText);

    const mine = this.ctx.getWebSockets(`user:${userId}`);
    if (mine.length >= MAX_SOCKETS_PER_USER) {
      return Response.json(errorBody(`At most ${MAX_SOCKETS_PER_USER} open sockets per room.`, "throttled"), {
        status: 429,
      });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${userId}`]);
    server.serializeAttachment({ userId, connectedAt: Date.now() } satisfies Attachment);
    // From now on broadcasts are held for this socket until its catch-up has been sent.
    this.#catchingUp.set(server, []);
    void this.#serialised(async () => {
      try {
        this.#send(server, {
          type: "welcome",
          room: roomId,
          you: userId,
          reads: await readPositions(database(this.env), roomId),
        });
        await this.#catchUp(server, after);
        this.#send(server, { type: "here", users: this.#usersHere() });
      } catch (err) {
        // Without its catch-up the socket cannot be trusted to be complete: the client reconnects.
        console.error("room catch-up failed", err);
        this.#catchingUp.delete(server);
        this.#send(server, { type: "error", code: "unavailable", message: "Could not catch up; reconnect." });
        server.close(1011, "catch-up failed");
      }
    });
    this.#broadcast({ type: "here", users: this.#usersHere() }, server);
    await presenceStore(this.env).heartbeat(userId);
    await this.#ensureAlarm();
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  /**
   * Sends what came after `after` (nothing when absent), then `caught_up`, then what was
   * broadcast meanwhile. Runs in the queue. A message taken during the catch-up's reads may
   * be in them or only among the held frames; each goes out once, and all up to `last_id`
   * before `caught_up`.
   */
  async #catchUp(ws: WebSocket, after: number | undefined) {
    if (!this.#catchingUp.has(ws)) this.#catchingUp.set(ws, []);
    const takenBefore = this.#latestTaken();
    let rows: MessageRow[] = [];
    let hasMore = false;
    let last: number;
    if (after === undefined) {
      last = Math.max(takenBefore, await latestMessageId(database(this.env), this.#roomId));
    } else {
      ({ rows, hasMore } = await this.#history({ after, limit: CATCH_UP_LIMIT }));
      last = rows.at(-1)?.id ?? after;
    }
    const held = this.#catchingUp.get(ws) ?? [];
    this.#catchingUp.delete(ws);
    const sent = new Set(rows.map((row) => row.id));
    for (const row of rows) this.#send(ws, { type: "message", message: toMessage(row) });
    const isNew = (frame: RoomFrame) => frame.type === "message" && !sent.has(frame.message.id);
    for (const frame of held) {
      if (isNew(frame) && frame.type === "message" && frame.message.id <= last) {
        sent.add(frame.message.id);
        this.#send(ws, frame);
      }
    }
    this.#send(ws, { type: "caught_up", last_id: last, has_more: hasMore });
    for (const frame of held) if (frame.type !== "message" || isNew(frame)) this.#send(ws, frame);
  }

  /**
   * A page of history: D1's rows and the ones only this store has yet. The store is read
   * first: a message that leaves it during D1's read was in D1 before it left.
   */
  async #history(page: HistoryQuery): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
    const uncopied = this.#uncopiedRows(page);
    const stored = await historyRows(database(this.env), this.#roomId, page);
    // D1's row first: it has a later edit, if there has been one since.
    return pageOf([...stored, ...uncopied], page);
  }

  /** The page's rows among the messages D1 does not have yet, as historyRows reads D1's. */
  #uncopiedRows(page: HistoryQuery): MessageRow[] {
    if (this.#uncopied === 0) return [];
    const rows =
      page.after !== undefined
        ? this.#sql.exec<StoreRow>(
            "SELECT * FROM messages WHERE content IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
            page.after,
            page.limit + 1,
          )
        : this.#sql.exec<StoreRow>(
            "SELECT * FROM messages WHERE content IS NOT NULL AND id < ? ORDER BY id DESC LIMIT ?",
            page.before ?? Number.MAX_SAFE_INTEGER,
            page.limit + 1,
          );
    return rows.toArray().map((row) => this.#asMessageRow(row));
  }

  #asMessageRow(row: StoreRow): MessageRow {
    return {
      id: row.id,
      roomId: this.#roomId,
      senderId: row.sender_id,
      content: row.content ?? "",
      createdAt: row.created_at,
      editedAt: null,
      deletedAt: null,
      clientId: row.client_id,
    };
  }

  /** A page of the room's history, for the worker's REST routes. */
  async history(page: HistoryQuery): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
    return this.#history(page);
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      this.#send(ws, { type: "error", code: parsed.code, message: parsed.message });
      return;
    }
    const frame = parsed.frame;
    try {
      await this.#handle(ws, frame);
    } catch (err) {
      // Storage failed; nothing was broadcast, and the client may retry with the same client id.
      console.error("room frame failed", err);
      const client_id = frame.type === "send" ? frame.client_id : undefined;
      this.#send(ws, { type: "error", code: "unavailable", message: "That did not go through; try again.", client_id });
    }
  }

  async #handle(ws: WebSocket, frame: ClientFrame) {
    const { userId } = this.#who(ws);
    const roomId = this.#roomId;
    switch (frame.type) {
      case "send": {
        const result = await this.post({ senderId: userId, content: frame.content, clientId: frame.client_id });
        if (result.ok) this.#send(ws, { type: "ack", client_id: frame.client_id, message: result.message });
        else {
          this.#send(ws, {
            type: "error",
            code: "rate_limited",
            message: `Slow down: try again in ${result.retryAfterSeconds} s.`,
            client_id: frame.client_id,
          });
        }
        return;
      }
      case "edit":
      case "delete": {
        const result =
          frame.type === "edit"
            ? await this.edit({ userId, messageId: frame.id, content: frame.content })
            : await this.remove({ userId, messageId: frame.id });
        if (!result.ok) {
          const message =
            result.error === "not_found" ? "No such message in this room." : "You can only change your own messages.";
          this.#send(ws, { type: "error", code: result.error, message });
        }
        return;
      }
      case "typing":
        await this.#typing(userId, true);
        return;
      case "read":
        await this.#read(roomId, userId, frame.up_to);
        return;
      case "resume":
        this.#catchingUp.set(ws, this.#catchingUp.get(ws) ?? []);
        await this.#serialised(() => this.#catchUp(ws, frame.after)).catch((err) => {
          this.#catchingUp.delete(ws);
          throw err;
        });
        return;
    }
  }

  async webSocketClose(ws: WebSocket, code: number) {
    this.#leave(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }

  async webSocketError(ws: WebSocket) {
    this.#leave(ws);
  }

  #leave(ws: WebSocket) {
    this.#catchingUp.delete(ws);
    this.#broadcast({ type: "here", users: this.#usersHere(ws) }, ws);
  }

  /**
   * Takes a message and broadcasts it. A retry with the same client id answers the message
   * taken the first time, and broadcasts nothing. With `copied`, answers once D1 has it
   * too, or has failed to take it (the message stands: the alarm tries again).
   */
  async post(input: PostInput, options: { copied?: boolean } = {}): Promise<PostResult> {
    const allowed = this.#allowSend(input.senderId);
    if (!allowed.ok) return { ok: false, error: "rate_limited", retryAfterSeconds: allowed.retryAfterSeconds };
    const result = await this.#store(input);
    if (result.stored) {
      await this.#typing(input.senderId, false);
      this.#queueForInboxes(result.message);
    }
    if (options.copied)
      await this.#copied().catch((err) => console.warn("copy to D1 failed; the alarm tries again", err));
    return { ok: true, ...result };
  }

  /**
   * Takes the message with the others waiting. In a busy room they wait for the next turn
   * of the event loop, so that frames which have already arrived are taken with them: the
   * store then commits (and syncs to disk) once for the group, not once a message. A
   * message in a quiet room is taken at once, adding nothing to its latency.
   */
  #store(input: PostInput): Promise<Stored> {
    return new Promise((resolve, reject) => {
      this.#untaken.push({ input, resolve, reject });
      if (this.#untaken.length > 1) return;
      if (Date.now() - this.#lastTakeAt < BUSY_WITHIN_MS) setTimeout(() => this.#takeWaiting(), 0);
      else this.#takeWaiting();
    });
  }

  /** Takes the waiting messages in their order, as far as the ids go; the rest wait for the next block. */
  #takeWaiting() {
    this.#lastTakeAt = Date.now();
    const taken: WireMessage[] = [];
    while (this.#untaken.length > 0 && this.#nextId < this.#endId) {
      const waiting = this.#untaken.shift()!;
      try {
        const result = this.#take(waiting.input);
        if (!(result instanceof Promise)) taken.push(result.message);
        waiting.resolve(result);
      } catch (reason) {
        waiting.reject(reason);
      }
    }
    // One frame for the lot: a busy room of 10 then sends each socket a frame per group
    // rather than per message, which was a sixth of its CPU.
    if (taken.length === 1) this.#broadcast({ type: "message", message: taken[0] });
    else if (taken.length > 1) this.#broadcast({ type: "messages", messages: taken });
    if (this.#untaken.length > 0) void this.#reserveIds();
  }

  /** Gets a block of ids from D1, then takes the messages that waited for it. */
  async #reserveIds() {
    try {
      const count = this.#idBlock;
      const first = await reserveMessageIds(database(this.env), count);
      this.#sql.exec("INSERT OR REPLACE INTO id_block (only, first_id, end_id) VALUES (1, ?, ?)", first, first + count);
      [this.#nextId, this.#endId] = [first, first + count];
      this.#idBlock = Math.min(LARGEST_ID_BLOCK, count * 2);
    } catch (reason) {
      for (const waiting of this.#untaken.splice(0)) waiting.reject(reason);
      return;
    }
    this.#takeWaiting();
  }

  /**
   * Numbers the message and writes it to the store; #takeWaiting broadcasts it before
   * anything else runs: so ids are broadcast in their order, and the output gate holds the
   * broadcast (and the sender's ack) until the write is durable. A retry answers a promise
   * of the message taken the first time.
   */
  #take(input: PostInput): Stored | Promise<Stored> {
    if (this.#uncopied >= COPY_BACKLOG) throw new Error(`${COPY_BACKLOG} messages are waiting for D1`);
    const taken: TakenMessage = {
      id: this.#nextId,
      senderId: input.senderId,
      // As D1 will store it: a lone surrogate becomes U+FFFD.
      content: input.content.toWellFormed(),
      createdAt: now(),
      clientId: input.clientId ?? null,
    };
    const { rowsWritten } = this.#sql.exec(
      "INSERT INTO messages (id, sender_id, client_id, created_at, content) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      taken.id,
      taken.senderId,
      taken.clientId,
      taken.createdAt,
      taken.content,
    );
    if (rowsWritten === 0) return this.#takenBefore(input).then((row) => ({ message: toMessage(row), stored: false }));
    this.#nextId += 1;
    this.#uncopied += 1;
    const message = toMessage({ ...taken, roomId: this.#roomId, editedAt: null, deletedAt: null });
    this.#copySoon();
    return { message, stored: true };
  }

  /** The message a retried send was taken as the first time: from the store, or from D1 once it has it. */
  async #takenBefore(input: PostInput): Promise<MessageRow> {
    const row = this.#sql
      .exec<StoreRow>(
        "SELECT * FROM messages WHERE sender_id = ? AND client_id = ?",
        input.senderId,
        input.clientId ?? null,
      )
      .one();
    if (row.content !== null) return this.#asMessageRow(row);
    const copied = await findMessage(database(this.env), row.id);
    if (!copied) throw new Error(`message ${row.id} is missing from D1`);
    return copied;
  }

  /**
   * Copies to D1 in COPY_AFTER_MS, which gathers a busy room's messages into few copies.
   * Whatever needs D1 to have them sooner (a REST send, an edit, a read mark, inbox news)
   * asks #copied itself. Nothing is started when a copy is due already, or while copies are
   * paused after a failure.
   */
  #copySoon() {
    if (this.#copyTimer !== undefined || this.#nextCopy || Date.now() < this.#copyPausedUntil) return;
    this.#copyTimer = setTimeout(() => {
      this.#copyTimer = undefined;
      this.#copied().catch(async (err) => {
        console.warn("copy to D1 failed; the alarm tries again", err);
        this.#copyPausedUntil = Date.now() + COPY_RETRY_MS;
        await this.#ensureAlarm(this.#copyPausedUntil);
      });
    }, COPY_AFTER_MS);
  }

  /** Resolves once D1 has every message taken so far; rejects if the copy fails. */
  #copied(): Promise<void> {
    if (this.#nextCopy) return this.#nextCopy;
    const copy = this.#copies.then(() => {
      this.#nextCopy = undefined;
      return this.#copyUncopied();
    });
    this.#nextCopy = copy;
    this.#copies = copy.catch(() => undefined);
    return copy;
  }

  /** Copies what D1 does not have yet, in order, MAX_MESSAGES_A_COPY a round trip. */
  async #copyUncopied() {
    for (;;) {
      const rows = this.#sql
        .exec<StoreRow>("SELECT * FROM messages WHERE content IS NOT NULL ORDER BY id LIMIT ?", MAX_MESSAGES_A_COPY)
        .toArray();
      if (rows.length === 0) return;
      await copyMessages(
        database(this.env),
        this.#roomId,
        rows.map((row) => ({
          id: row.id,
          senderId: row.sender_id,
          content: row.content!,
          createdAt: row.created_at,
          clientId: row.client_id,
        })),
      );
      // Ids only rise, so every uncopied message up to the last copied was in this copy.
      this.#sql.exec("UPDATE messages SET content = NULL WHERE content IS NOT NULL AND id <= ?", rows.at(-1)!.id);
      this.#uncopied = this.#countUncopied();
      this.#copyPausedUntil = 0;
    }
  }

  /** Edits a message of the caller's; everyone in the room sees the new text at once. */
  async edit(input: { userId: number; messageId: number; content: string }): Promise<ChangeResult> {
    return this.#change(input, { content: input.content, editedAt: now() }, "message_edited");
  }

  /** Deletes a message of the caller's: its text is gone, its place in history stays. */
  async remove(input: { userId: number; messageId: number }): Promise<ChangeResult> {
    return this.#change(input, { content: "", deletedAt: now() }, "message_deleted");
  }

  async #change(
    input: { userId: number; messageId: number },
    change: { content: string; editedAt?: string; deletedAt?: string },
    type: "message_edited" | "message_deleted",
  ): Promise<ChangeResult> {
    return this.#serialised(async () => {
      await this.#copied();
      const db = database(this.env);
      const row = await findMessage(db, input.messageId);
      if (!row || row.roomId !== this.#roomId || row.deletedAt !== null)
        return { ok: false, error: "not_found" } as const;
      if (row.senderId !== input.userId) return { ok: false, error: "not_allowed" } as const;
      const message = toMessage(await rewriteMessage(db, row.id, change));
      this.#broadcast({ type, message });
      return { ok: true, message } as const;
    });
  }

  /** Marks a room read up to a message, for this user's other tabs and for "seen by". */
  async #read(roomId: number, userId: number, upTo: number) {
    // The read position and unread counts are D1's, so D1 first gets every message taken.
    await this.#copied();
    const db = database(this.env);
    const latest = await latestMessageId(db, roomId);
    const position = Math.min(upTo, latest);
    if (!(await markRead(db, roomId, userId, position))) return;
    this.#broadcast({ type: "read", user: userId, up_to: position });
    const unread = await unreadCounts(db, userId, roomId);
    await inboxObject(this.env, userId).push({ type: "unread", counts: unread });
  }

  /** The typists, from memory once storage has been read. */
  async #typistsNow(): Promise<Record<string, number>> {
    if (this.#typists) return this.#typists;
    const stored = (await this.ctx.storage.get<Record<string, number>>("typing")) ?? {};
    // Another call may have read it during the await, and changed it since.
    this.#typists ??= stored;
    return this.#typists;
  }

  /** Starts or stops a user's typing; it lapses on its own after TYPING_LASTS_MS. */
  async #typing(userId: number, typing: boolean) {
    const typists = await this.#typistsNow();
    // Every send stops its sender's typing; most senders were not, and cost no write.
    if (!typing && !(String(userId) in typists)) return;
    if (typing) typists[userId] = Date.now() + TYPING_LASTS_MS;
    else delete typists[userId];
    await this.ctx.storage.put("typing", typists);
    this.#broadcast({ type: "typing", user: userId, typing });
    if (typing) await this.#ensureAlarm(Date.now() + TYPING_LASTS_MS);
  }

  /** Who joined or left, from the worker's member routes; the ones who left lose their sockets. */
  async membersChanged(change: { joined: MemberSummary[]; left: number[] }) {
    this.#newsFacts = undefined;
    for (const user of change.joined) this.#broadcast({ type: "member_joined", user });
    for (const userId of change.left) {
      for (const ws of this.ctx.getWebSockets(`user:${userId}`)) ws.close(4003, "removed from the room");
      this.#broadcast({ type: "member_left", user: userId });
    }
  }

  /** The room's title changed: the next inbox news reads it again. */
  async renamed() {
    this.#newsFacts = undefined;
  }

  /** A deactivated user's sockets close at once: their token no longer opens one either. */
  async signOut(userId: number) {
    for (const ws of this.ctx.getWebSockets(`user:${userId}`)) ws.close(4001, "signed out");
  }

  /** The room is gone: every socket closes. */
  async roomDeleted() {
    for (const ws of this.ctx.getWebSockets()) ws.close(4004, "room deleted");
    this.#newsFacts = undefined;
    this.#dmOpened = false;
    this.#typists = undefined;
    await this.ctx.storage.deleteAll();
    this.#openStore();
  }

  /**
   * Inbox news goes out in batches, at most one call per participant every
   * INBOX_BATCH_MS: a busy room then costs its members' inboxes a few calls a second
   * rather than one per message each.
   */
  #queueForInboxes(message: WireMessage) {
    this.#inboxQueue.push(message);
    if (this.#inboxQueue.length > 1) return;
    setTimeout(() => {
      this.ctx.waitUntil(this.#tellInboxes().catch((err) => console.warn("inbox news failed", err)));
    }, INBOX_BATCH_MS);
  }

  /** Tells every participant's inbox of the queued messages, so tabs looking elsewhere can show them. */
  async #tellInboxes() {
    const batch = this.#inboxQueue.splice(0);
    // Inboxes count unread messages in D1: they count these once D1 has them, or, if the
    // copy fails, once it has been tried again.
    await this.#copied().catch(() => undefined);
    const room = await this.#roomForNews();
    if (!room) return;
    // Only a DM's first message opens anything; a group's news, and a DM's once it has had
    // some, cost no look at its history.
    const opensDm =
      !room.isGroup && !this.#dmOpened && (await this.#history({ before: batch[0].id, limit: 1 })).rows.length === 0;
    if (!room.isGroup) this.#dmOpened = true;
    await Promise.all(
      room.memberIds.map((userId) =>
        inboxObject(this.env, userId)
          .roomMessages(batch, room.title, opensDm)
          .catch((err) => console.warn("inbox notification failed", err)),
      ),
    );
  }

  /** The room's title, kind and members, from memory or, the first time and after a change, from D1. */
  #roomForNews(): Promise<NewsFacts | undefined> {
    if (this.#newsFacts) return this.#newsFacts;
    const reading = roomForNews(database(this.env), this.#roomId);
    this.#newsFacts = reading;
    // A failed read is not kept: the next news tries again.
    reading.catch(() => {
      if (this.#newsFacts === reading) this.#newsFacts = undefined;
    });
    return reading;
  }

  /** Schedules the alarm no later than `at`, or a heartbeat from now. */
  async #ensureAlarm(at = Date.now() + HEARTBEAT_EVERY_MS) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Lapses typing, drops sockets that stopped pinging, and renews presence while anyone is here. */
  async alarm() {
    if (this.#uncopied > 0) {
      await this.#copied().catch(async (err) => {
        console.warn("copy to D1 failed again", err);
        await this.#ensureAlarm(Date.now() + COPY_RETRY_MS);
      });
    }
    const at = Date.now();
    // Storage is the truth here: the alarm is what lapses typing, also after an eviction.
    const typists = (await this.ctx.storage.get<Record<string, number>>("typing")) ?? {};
    this.#typists = { ...typists };
    for (const [userId, until] of Object.entries(typists)) {
      if (until <= at) await this.#typing(Number(userId), false);
    }
    const silent = closeSilentSockets(this.ctx, (ws) => this.#who(ws).connectedAt, at);
    const here = this.#usersHere().filter((userId) =>
      this.ctx.getWebSockets(`user:${userId}`).some((ws) => !silent.includes(ws)),
    );
    if (silent.length > 0) this.#broadcast({ type: "here", users: here });
    const presence = presenceStore(this.env);
    await Promise.all(here.map((userId) => presence.heartbeat(userId)));
    const remaining = Object.values(await this.#typistsNow());
    if (here.length > 0) await this.#ensureAlarm();
    if (remaining.length > 0) await this.#ensureAlarm(Math.min(...remaining));
  }
}

/**
 * Sends per person per room this deployment allows: the SEND_BURST and SEND_PER_SECOND
 * vars when set to positive numbers, the protocol's defaults otherwise.
 */
function sendAllowance(env: Env): { burst: number; perSecond: number } {
  const positive = (text: string | undefined, fallback: number) => {
    const value = Number(text);
    return text && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return { burst: positive(env.SEND_BURST, SEND_BURST), perSecond: positive(env.SEND_PER_SECOND, SEND_PER_SECOND) };
}

const ROOM_NAME_PREFIX = "room:";

/** The object that owns a room. */
export function roomObject(env: Env, roomId: number) {
  return env.ROOM.get(env.ROOM.idFromName(`${ROOM_NAME_PREFIX}${roomId}`));
}
