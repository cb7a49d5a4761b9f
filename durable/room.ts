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
 * message is broadcast only after D1 has it.
 *
 * Sockets use the hibernation API: the object may be evicted while sockets stay open; who a
 * socket belongs to lives in its attachment, and pings are answered without waking it.
 */
import { DurableObject } from "cloudflare:workers";
import { database } from "../worker/db";
import {
  findMessage,
  findSentMessage,
  historyPage,
  insertMessage,
  latestMessageId,
  rewriteMessage,
  unreadCounts,
} from "../worker/db/messages";
import { markRead, readPositions } from "../worker/db/reads";
import { findRoom } from "../worker/db/rooms";
import { now } from "../worker/db";
import { toMessage } from "../worker/shapes";
import { inboxObject } from "./inbox";
import { closeSilentSockets } from "./keep-alive";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../worker/presence";
import {
  PING,
  PONG,
  SEND_BURST,
  SEND_PER_SECOND,
  TYPING_LASTS_MS,
  parseClientFrame,
  type RoomFrame,
  type WireMessage,
} from "./protocol";

/** Most sockets one user may hold open in one room (tabs and devices). */
export const MAX_SOCKETS_PER_USER = 8;
/** Most messages a catch-up sends; past it, `has_more` tells the client to page over REST. */
export const CATCH_UP_LIMIT = 1000;

/** Headers the worker sets on an upgrade it has authenticated; never taken from a client. */
export const TRUSTED_USER_HEADER = "x-condor-user";
export const TRUSTED_ROOM_HEADER = "x-condor-room";

type Attachment = { userId: number; connectedAt: number };
export type PostInput = { roomId: number; senderId: number; content: string; clientId?: string };
export type PostResult =
  | { ok: true; message: WireMessage; stored: boolean }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };
export type ChangeResult = { ok: true; message: WireMessage } | { ok: false; error: "not_found" | "not_allowed" };
export type MemberSummary = { id: number; username: string; full_name: string; avatar_url: string };

export class Room extends DurableObject<Env> {
  #writes: Promise<unknown> = Promise.resolve();
  /** Send allowance per user; lost on eviction, which only ever makes it more lenient. */
  #buckets = new Map<number, { tokens: number; at: number }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
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
      if (ws === except) continue;
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

  async #roomId(): Promise<number> {
    return (await this.ctx.storage.get<number>("roomId"))!;
  }

  /** Takes one send from a user's allowance; false when it is used up. */
  #allowSend(userId: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const at = Date.now();
    const bucket = this.#buckets.get(userId) ?? { tokens: SEND_BURST, at };
    const tokens = Math.min(SEND_BURST, bucket.tokens + ((at - bucket.at) / 1000) * SEND_PER_SECOND);
    if (tokens < 1) {
      this.#buckets.set(userId, { tokens, at });
      return { ok: false, retryAfterSeconds: Math.ceil((1 - tokens) / SEND_PER_SECOND) };
    }
    this.#buckets.set(userId, { tokens: tokens - 1, at });
    return { ok: true };
  }

  /** An authenticated member's upgrade, handed over by the worker. */
  async fetch(request: Request): Promise<Response> {
    const userId = Number(request.headers.get(TRUSTED_USER_HEADER));
    const roomId = Number(request.headers.get(TRUSTED_ROOM_HEADER));
    const afterText = new URL(request.url).searchParams.get("after");
    const after = afterText === null ? undefined : Number(afterText);
    await this.ctx.storage.put("roomId", roomId);

    const mine = this.ctx.getWebSockets(`user:${userId}`);
    if (mine.length >= MAX_SOCKETS_PER_USER) {
      return Response.json(
        { error: `At most ${MAX_SOCKETS_PER_USER} open sockets per room.`, detail: `At most ${MAX_SOCKETS_PER_USER} open sockets per room.`, code: "throttled" },
        { status: 429 },
      );
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${userId}`]);
    server.serializeAttachment({ userId, connectedAt: Date.now() } satisfies Attachment);

    // In the write queue, so no message can be stored between the catch-up and going live.
    void this.#serialised(async () => {
      const db = database(this.env);
      this.#send(server, { type: "welcome", room: roomId, you: userId, reads: await readPositions(db, roomId) });
      await this.#catchUp(server, roomId, after);
    });
    this.#broadcast({ type: "here", users: this.#usersHere() });
    await presenceStore(this.env).heartbeat(userId);
    await this.#ensureAlarm();
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": "condor.v1" } });
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
    const { userId } = this.#who(ws);
    const roomId = await this.#roomId();
    const frame = parsed.frame;
    switch (frame.type) {
      case "send": {
        const result = await this.post({ roomId, senderId: userId, content: frame.content, clientId: frame.client_id });
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
            ? await this.edit({ roomId, userId, messageId: frame.id, content: frame.content })
            : await this.remove({ roomId, userId, messageId: frame.id });
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
    this.#broadcast({ type: "here", users: this.#usersHere(ws) }, ws);
  }

  /**
   * Stores a message and broadcasts it once D1 has it. A retry with the same client id
   * answers the message stored the first time, and broadcasts nothing.
   */
  async post(input: PostInput): Promise<PostResult> {
    const allowed = this.#allowSend(input.senderId);
    if (!allowed.ok) return { ok: false, error: "rate_limited", retryAfterSeconds: allowed.retryAfterSeconds };
    await this.ctx.storage.put("roomId", input.roomId);
    const result = await this.#serialised(async () => {
      const db = database(this.env);
      if (input.clientId !== undefined) {
        const earlier = await findSentMessage(db, input.roomId, input.senderId, input.clientId);
        if (earlier) return { message: toMessage(earlier), stored: false };
      }
      const message = toMessage(await insertMessage(db, input));
      this.#broadcast({ type: "message", message });
      return { message, stored: true };
    });
    if (result.stored) {
      await this.#typing(input.senderId, false);
      this.ctx.waitUntil(this.#tellInboxes(result.message));
    }
    return { ok: true, ...result };
  }

  /** Edits a message of the caller's; everyone in the room sees the new text at once. */
  async edit(input: { roomId: number; userId: number; messageId: number; content: string }): Promise<ChangeResult> {
    return this.#change(input, { content: input.content, editedAt: now() }, "message_edited");
  }

  /** Deletes a message of the caller's: its text is gone, its place in history stays. */
  async remove(input: { roomId: number; userId: number; messageId: number }): Promise<ChangeResult> {
    return this.#change(input, { content: "", deletedAt: now() }, "message_deleted");
  }

  async #change(
    input: { roomId: number; userId: number; messageId: number },
    change: { content: string; editedAt?: string; deletedAt?: string },
    type: "message_edited" | "message_deleted",
  ): Promise<ChangeResult> {
    return this.#serialised(async () => {
      const db = database(this.env);
      const row = await findMessage(db, input.messageId);
      if (!row || row.roomId !== input.roomId || row.deletedAt !== null) return { ok: false, error: "not_found" } as const;
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

  /** Starts or stops a user's typing; it lapses on its own after TYPING_LASTS_MS. */
  async #typing(userId: number, typing: boolean) {
    const typists = (await this.ctx.storage.get<Record<string, number>>("typing")) ?? {};
    const was = String(userId) in typists;
    if (typing) typists[userId] = Date.now() + TYPING_LASTS_MS;
    else delete typists[userId];
    await this.ctx.storage.put("typing", typists);
    if (typing || was) this.#broadcast({ type: "typing", user: userId, typing });
    if (typing) await this.#ensureAlarm(Date.now() + TYPING_LASTS_MS);
  }

  /** Who joined or left, from the worker's member routes; the ones who left lose their sockets. */
  async membersChanged(change: { joined: MemberSummary[]; left: number[] }) {
    for (const user of change.joined) this.#broadcast({ type: "member_joined", user });
    for (const userId of change.left) {
      for (const ws of this.ctx.getWebSockets(`user:${userId}`)) ws.close(4003, "removed from the room");
      this.#broadcast({ type: "member_left", user: userId });
    }
  }

  /** The room is gone: every socket closes. */
  async roomDeleted() {
    for (const ws of this.ctx.getWebSockets()) ws.close(4004, "room deleted");
    await this.ctx.storage.deleteAll();
  }

  /** Tells every participant's inbox, so tabs looking elsewhere can show it. */
  async #tellInboxes(message: WireMessage) {
    const db = database(this.env);
    const [room, participants, earlier] = await Promise.all([
      findRoom(db, message.room),
      readPositions(db, message.room),
      historyPage(db, message.room, { before: message.id, limit: 1 }),
    ]);
    if (!room) return;
    const firstDm = !room.isGroup && earlier.rows.length === 0;
    await Promise.all(
      Object.keys(participants).map((userId) =>
        inboxObject(this.env, Number(userId))
          .roomMessage(message, room.title, firstDm)
          .catch((err) => console.warn("inbox notification failed", err)),
      ),
    );
  }

  /** Schedules the alarm no later than `at`, or a heartbeat from now. */
  async #ensureAlarm(at = Date.now() + HEARTBEAT_EVERY_MS) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Lapses typing, drops sockets that stopped pinging, and renews presence while anyone is here. */
  async alarm() {
    const at = Date.now();
    const typists = (await this.ctx.storage.get<Record<string, number>>("typing")) ?? {};
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
    const remaining = Object.values((await this.ctx.storage.get<Record<string, number>>("typing")) ?? {});
    if (here.length > 0) await this.#ensureAlarm();
    if (remaining.length > 0) await this.#ensureAlarm(Math.min(...remaining));
  }
}

/** The object that owns a room. */
export function roomObject(env: Env, roomId: number) {
  return env.ROOM.get(env.ROOM.idFromName(`room:${roomId}`));
}
