/**
 * One Durable Object per room: the single writer of its room's messages and the holder of
 * its WebSockets.
 *
 * Where messages live, and why: in D1, written only by this object. D1 gives one history
 * that REST pages, unread counts across all of a user's rooms, and an import from the
 * original can all query; a team's chat stays far below D1's ~1,000 writes/s. This object
 * orders its room: every write (and every catch-up read) runs one at a time through
 * `#serialised`, because awaiting D1 does not hold the input gate. So ids within a room
 * are the order in which sockets receive messages, which is history's order too, and a
 * message is broadcast only after D1 has it. Messages that arrive while a write is in
 * flight are stored together by the next one (one D1 round trip for the lot), which is
 * what lets a busy room go faster than one round trip per message.
 *
 * Sockets use the hibernation API: the object may be evicted while sockets stay open; who a
 * socket belongs to lives in its attachment, and pings are answered without waking it.
 *
 * What inbox news needs of the room (its title, kind and member ids) is kept in memory, so
 * a message costs D1 its one write: the worker tells this object of every change to them
 * (membersChanged, renamed, roomDeleted), which drops the copy, and after an eviction it is
 * read again on the next news.
 */
import { DurableObject } from "cloudflare:workers";
import { database, now } from "../worker/db";
import {
  findMessage,
  historyPage,
  insertMessages,
  latestMessageId,
  MAX_MESSAGES_A_WRITE,
  rewriteMessage,
  unreadCounts,
  type NewMessage,
} from "../worker/db/messages";
import type { MessageRow } from "../worker/db/schema";
import { markRead, readPositions } from "../worker/db/reads";
import { roomForNews } from "../worker/db/rooms";
import { errorBody } from "../worker/errors";
import { toMessage } from "../worker/shapes";
import { inboxObject } from "./inbox";
import { closeSilentSockets } from "./keep-alive";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../worker/presence";
import {
  PING,
  PONG,
  SEND_BURST,
  SEND_PER_SECOND,
  SUBPROTOCOL,
  TYPING_LASTS_MS,
  parseClientFrame,
  type ClientFrame,
  type RoomFrame,
  type WireMessage,
} from "./protocol";

/** Most sockets one user may hold open in one room (tabs and devices). */
export const MAX_SOCKETS_PER_USER = 8;
/** How long news for the inboxes gathers before it goes out. */
const INBOX_BATCH_MS = 100;
/** A room whose latest write started this recently is busy: its next write waits a turn (see #store). */
const BUSY_WITHIN_MS = 10;
/** Most messages a catch-up sends; past it, `has_more` tells the client to page over REST. */
export const CATCH_UP_LIMIT = 1000;

/** The header the worker sets on an upgrade it has authenticated; never taken from a client. */
export const TRUSTED_USER_HEADER = "x-condor-user";

type Attachment = { userId: number; connectedAt: number };
type NewsFacts = NonNullable<Awaited<ReturnType<typeof roomForNews>>>;
export type PostInput = NewMessage;
type Stored = { message: WireMessage; stored: boolean };
export type PostResult =
  | ({ ok: true } & Stored)
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };
export type ChangeResult = { ok: true; message: WireMessage } | { ok: false; error: "not_found" | "not_allowed" };
export type MemberSummary = { id: number; username: string; full_name: string; avatar_url: string };

export class Room extends DurableObject<Env> {
  #writes: Promise<unknown> = Promise.resolve();
  /** Messages waiting for the next write, in the order they arrived. */
  #unstored: { input: PostInput; resolve: (result: Stored) => void; reject: (reason: unknown) => void }[] = [];
  /** When the latest write of messages started: a room that wrote this recently is busy. */
  #lastWriteAt = 0;
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
   * Sockets still being sent what they missed: broadcasts skip them until then. Memory is
   * enough, and spares reading every socket's attachment on every broadcast: only an idle
   * object hibernates, and a catch-up is work in flight (in the write queue), so the set
   * cannot be lost before a catch-up ends. An eviction in the middle of one (a deploy, a
   * crash) loses the catch-up itself, which a flag in the attachment could not save either.
   */
  #catchingUp = new Set<WebSocket>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#allowance = sendAllowance(env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** Runs writes one after another; a failed write does not stop the ones behind it. */
  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(work);
    this.#writes = result.catch(() => undefined);
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
      // A socket still catching up gets what this broadcast is about from its catch-up, after.
      if (ws === except || this.#catchingUp.has(ws)) continue;
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
      return Response.json(errorBody(`At most ${MAX_SOCKETS_PER_USER} open sockets per room.`, "throttled"), { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${userId}`]);
    server.serializeAttachment({ userId, connectedAt: Date.now() } satisfies Attachment);
    this.#catchingUp.add(server);

    // In the write queue, so no message can be stored between the catch-up and going live;
    // until it is done, broadcasts skip this socket (they would come before what it missed).
    void this.#serialised(async () => {
      try {
        const db = database(this.env);
        this.#send(server, { type: "welcome", room: roomId, you: userId, reads: await readPositions(db, roomId) });
        await this.#catchUp(server, roomId, after);
        this.#catchingUp.delete(server);
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

  /** Sends what came after `after` (nothing when absent), then `caught_up`. Runs in the queue. */
  async #catchUp(ws: WebSocket, roomId: number, after: number | undefined) {
    const db = database(this.env);
    if (after === undefined) {
      this.#send(ws, { type: "caught_up", last_id: await latestMessageId(db, roomId), has_more: false });
      return;
    }
    const { rows, hasMore } = await historyPage(db, roomId, { after, limit: CATCH_UP_LIMIT });
    for (const row of rows) this.#send(ws, { type: "message", message: toMessage(row) });
    this.#send(ws, { type: "caught_up", last_id: rows.at(-1)?.id ?? after, has_more: hasMore });
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
          const message = result.error === "not_found" ? "No such message in this room." : "You can only change your own messages.";
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
        await this.#serialised(() => this.#catchUp(ws, roomId, frame.after));
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
   * Stores a message and broadcasts it once D1 has it. A retry with the same client id
   * answers the message stored the first time, and broadcasts nothing.
   */
  async post(input: PostInput): Promise<PostResult> {
    const allowed = this.#allowSend(input.senderId);
    if (!allowed.ok) return { ok: false, error: "rate_limited", retryAfterSeconds: allowed.retryAfterSeconds };
    const result = await this.#store(input);
    if (result.stored) {
      await this.#typing(input.senderId, false);
      this.#queueForInboxes(result.message);
    }
    return { ok: true, ...result };
  }

  /** Stores a message with the others waiting, in the next write; resolves once D1 has it. */
  #store(input: PostInput): Promise<Stored> {
    return new Promise((resolve, reject) => {
      this.#unstored.push({ input, resolve, reject });
      if (this.#unstored.length > 1) return;
      const write = () => void this.#serialised(() => this.#storeWaiting());
      // In a busy room the write waits for the next turn of the event loop, so frames that
      // have already arrived join it (groups of 3.4 messages instead of 2.6 in a room of 10
      // sending flat out: fewer D1 writes, and D1 takes about 1,000 a second in all); a
      // message in a quiet room is written at once, adding nothing to its latency.
      if (Date.now() - this.#lastWriteAt < BUSY_WITHIN_MS) setTimeout(write, 0);
      else write();
    });
  }

  /**
   * One write: the waiting messages (up to MAX_MESSAGES_A_WRITE; the rest go next), in one
   * transaction, then broadcast in their order. If it fails, none is broadcast and each
   * sender hears so.
   */
  async #storeWaiting() {
    const group = this.#unstored.splice(0, MAX_MESSAGES_A_WRITE);
    this.#lastWriteAt = Date.now();
    if (this.#unstored.length > 0) void this.#serialised(() => this.#storeWaiting());
    let results: { row: MessageRow; stored: boolean }[];
    try {
      results = await insertMessages(database(this.env), this.#roomId, group.map(({ input }) => input));
    } catch (reason) {
      for (const waiting of group) waiting.reject(reason);
      return;
    }
    results.forEach(({ row, stored }, i) => {
      const message = toMessage(row);
      if (stored) this.#broadcast({ type: "message", message });
      group[i].resolve({ message, stored });
    });
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
      const db = database(this.env);
      const row = await findMessage(db, input.messageId);
      if (!row || row.roomId !== this.#roomId || row.deletedAt !== null) return { ok: false, error: "not_found" } as const;
      if (row.senderId !== input.userId) return { ok: false, error: "not_allowed" } as const;
      const message = toMessage(await rewriteMessage(db, row.id, change));
      this.#broadcast({ type, message });
      return { ok: true, message } as const;
    });
  }

  /** Marks a room read up to a message, for this user's other tabs and for "seen by". */
  async #read(roomId: number, userId: number, upTo: number) {
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
    return (this.#typists ??= stored);
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
  }

  /**
   * Inbox news goes out in batches, at most one call per participant every
   * INBOX_BATCH_MS: a busy room then costs its members' inboxes a few calls a second
   * rather than one per message each.
   */
  #queueForInboxes(message: WireMessage) {
    this.#inboxQueue.push(message);
    if (this.#inboxQueue.length > 1) return;
    setTimeout(() => this.ctx.waitUntil(this.#tellInboxes()), INBOX_BATCH_MS);
  }

  /** Tells every participant's inbox of the queued messages, so tabs looking elsewhere can show them. */
  async #tellInboxes() {
    const batch = this.#inboxQueue.splice(0);
    const room = await this.#roomForNews();
    if (!room) return;
    // Only a DM's first message opens anything; a group's news, and a DM's once it has had
    // some, cost no look at its history.
    const opensDm =
      !room.isGroup &&
      !this.#dmOpened &&
      (await historyPage(database(this.env), this.#roomId, { before: batch[0].id, limit: 1 })).rows.length === 0;
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
