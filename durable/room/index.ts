/**
 * One Durable Object per room: the single writer of its room's messages and the holder of
 * its WebSockets. It owns the sockets, reads their frames and runs the alarm; the rest is
 * done by its parts, one job each:
 *
 * - store.ts and schema.ts: the room's messages in its own SQLite, versioned;
 * - sequencer.ts: ids in blocks, and the group commit that numbers, stores and broadcasts;
 * - d1-copy.ts: the copy of every message to D1, just behind the store;
 * - history.ts: pages of history from D1 and the store together;
 * - sockets.ts and catch-up.ts: the sockets, and what each missed;
 * - allowance.ts, typing.ts, read-marks.ts, inbox-news.ts, changes.ts: one feature each.
 *
 * A message is acknowledged and broadcast in the turn the store writes it, and the output
 * gate holds both until the write is durable: a send costs no D1 round trip of its own.
 */
import { DurableObject } from "cloudflare:workers";
import type { HistoryQuery } from "../../core/db/messages";
import { errorBody } from "../../core/errors";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../../core/presence";
import { type ClientFrame, PING, PONG, parseClientFrame, SUBPROTOCOL } from "../../core/protocol";
import { closeSilentSockets } from "../keep-alive";
import { allowanceFrom, SendAllowance } from "./allowance";
import { catchUp } from "./catch-up";
import { type ChangeInput, type ChangeResult, changeMessage, deleted, edited } from "./changes";
import type { RoomContext } from "./context";
import { COPY_RETRY_MS, D1Copy } from "./d1-copy";
import { History, type HistoryPage } from "./history";
import { InboxNews } from "./inbox-news";
import { ReadMarks } from "./read-marks";
import { type PostInput, type Received, Sequencer } from "./sequencer";
import { RoomSockets } from "./sockets";
import { MessageStore } from "./store";
import { Typing } from "./typing";

export { CATCH_UP_LIMIT } from "./catch-up";
export type { ChangeResult } from "./changes";
export { COPY_BACKLOG } from "./d1-copy";
export type { PostInput } from "./sequencer";

/** Most sockets one user may hold open in one room (tabs and devices). */
export const MAX_SOCKETS_PER_USER = 8;
/** The header the worker sets on an upgrade it has authenticated; never taken from a client. */
export const TRUSTED_USER_HEADER = "x-condor-user";

export type PostResult = ({ ok: true } & Received) | { ok: false; error: "rate_limited"; retryAfterSeconds: number };
export type MemberSummary = { id: number; username: string; full_name: string; avatar_url: string };

export class Room extends DurableObject<Env> {
  /** Catch-ups and changes to stored messages run one at a time (see #serialised). */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #room: RoomContext;
  readonly #sockets = new RoomSockets(this.ctx);
  readonly #store: MessageStore;
  readonly #copy: D1Copy;
  readonly #history: History;
  readonly #sequencer: Sequencer;
  readonly #allowance: SendAllowance;
  readonly #typing = new Typing(
    this.ctx.storage,
    (user, typing) => this.#sockets.broadcast({ type: "typing", user, typing }),
    (at) => this.#ensureAlarm(at),
  );
  readonly #reads: ReadMarks;
  readonly #news: InboxNews;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    const self = this;
    const room: RoomContext = {
      get env() {
        return self.env;
      },
      get roomId() {
        return self.#roomId;
      },
    };
    this.#room = room;
    const flush = () => this.#copy.flush();
    this.#allowance = new SendAllowance(allowanceFrom(env));
    this.#store = new MessageStore(ctx.storage, room);
    this.#store.open();
    this.#copy = new D1Copy(room, this.#store, (at) => this.#ensureAlarm(at));
    this.#history = new History(room, this.#store, this.#copy);
    this.#sequencer = new Sequencer(room, this.#store, this.#history, this.#copy, (messages) =>
      // One frame for a group: a busy room of 10 then sends each socket a frame per group
      // rather than per message, which was a sixth of its CPU.
      this.#sockets.broadcast(
        messages.length === 1 ? { type: "message", message: messages[0] } : { type: "messages", messages },
      ),
    );
    this.#sequencer.open();
    this.#reads = new ReadMarks(room, flush, (frame) => this.#sockets.broadcast(frame));
    this.#news = new InboxNews(room, this.#history, flush, (work) => ctx.waitUntil(work));
    // Left over from before an eviction: D1 gets it now rather than at the next message.
    if (this.#copy.pending > 0) this.#copy.copySoon();
  }

  /** The room this object owns, from the name it is addressed by (see roomObject). */
  get #roomId(): number {
    return Number(this.ctx.id.name!.slice(ROOM_NAME_PREFIX.length));
  }

  /** Runs catch-ups and changes one after another; a failed one does not stop the ones behind it. */
  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #catchUp(ws: WebSocket, after: number | undefined) {
    const parts = { room: this.#room, sockets: this.#sockets, history: this.#history, sequencer: this.#sequencer };
    return catchUp(parts, ws, after);
  }

  /** An authenticated member's upgrade, handed over by the worker. */
  async fetch(request: Request): Promise<Response> {
    const userId = Number(request.headers.get(TRUSTED_USER_HEADER));
    const afterText = new URL(request.url).searchParams.get("after");
    const after = afterText === null ? undefined : Number(afterText);
    if (this.#sockets.all(userId).length >= MAX_SOCKETS_PER_USER) {
      const body = errorBody(`At most ${MAX_SOCKETS_PER_USER} open sockets per room.`, "throttled");
      return Response.json(body, { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    // From now on broadcasts are held for this socket until its catch-up has been sent.
    this.#sockets.accept(server, userId);
    void this.#serialised(async () => {
      try {
        const reads = await this.#reads.positions();
        this.#sockets.send(server, { type: "welcome", room: this.#roomId, you: userId, reads });
        await this.#catchUp(server, after);
        this.#sockets.send(server, { type: "here", users: this.#sockets.usersHere() });
      } catch (err) {
        // Without its catch-up the socket cannot be trusted to be complete: the client reconnects.
        console.error("room catch-up failed", err);
        this.#sockets.release(server);
        this.#sockets.send(server, { type: "error", code: "unavailable", message: "Could not catch up; reconnect." });
        server.close(1011, "catch-up failed");
      }
    });
    this.#sockets.broadcast({ type: "here", users: this.#sockets.usersHere() }, server);
    await presenceStore(this.env).heartbeat(userId);
    await this.#ensureAlarm();
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      this.#sockets.send(ws, { type: "error", code: parsed.code, message: parsed.message });
      return;
    }
    const frame = parsed.frame;
    try {
      await this.#dispatch(ws, frame);
    } catch (err) {
      // Storage failed; nothing was broadcast, and the client may retry with the same client id.
      console.error("room frame failed", err);
      const client_id = frame.type === "send" ? frame.client_id : undefined;
      const message = "That did not go through; try again.";
      this.#sockets.send(ws, { type: "error", code: "unavailable", message, client_id });
    }
  }

  async #dispatch(ws: WebSocket, frame: ClientFrame) {
    const { userId } = this.#sockets.who(ws);
    switch (frame.type) {
      case "send": {
        const result = await this.post({ senderId: userId, content: frame.content, clientId: frame.client_id });
        if (result.ok) this.#sockets.send(ws, { type: "ack", client_id: frame.client_id, message: result.message });
        else {
          const message = `Slow down: try again in ${result.retryAfterSeconds} s.`;
          this.#sockets.send(ws, { type: "error", code: "rate_limited", message, client_id: frame.client_id });
        }
        return;
      }
      case "edit":
      case "delete": {
        const change = { userId, messageId: frame.id };
        const result =
          frame.type === "edit" ? await this.edit({ ...change, content: frame.content }) : await this.remove(change);
        if (!result.ok) {
          const message =
            result.error === "not_found" ? "No such message in this room." : "You can only change your own messages.";
          this.#sockets.send(ws, { type: "error", code: result.error, message });
        }
        return;
      }
      case "typing":
        return this.#typing.set(userId, true);
      case "read":
        return this.#reads.mark(userId, frame.up_to);
      case "resume":
        this.#sockets.hold(ws);
        await this.#serialised(() => this.#catchUp(ws, frame.after)).catch((err) => {
          this.#sockets.release(ws);
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
    this.#sockets.release(ws);
    this.#sockets.broadcast({ type: "here", users: this.#sockets.usersHere(ws) }, ws);
  }

  /**
   * Receives a message: commits it and broadcasts it. A retry with the same client id answers
   * the message committed the first time, and broadcasts nothing. With `copied`, answers once
   * D1 has it too, or has failed to take it (the message stands: the alarm tries again).
   */
  async post(input: PostInput, options: { copied?: boolean } = {}): Promise<PostResult> {
    const allowed = this.#allowance.spend(input.senderId, Date.now());
    if (!allowed.ok) return { ok: false, error: "rate_limited", retryAfterSeconds: allowed.retryAfterSeconds };
    const received = await this.#sequencer.receive(input);
    if (!received.isRetry) {
      // Every send stops its sender's typing.
      await this.#typing.set(input.senderId, false);
      this.#news.tell(received.message);
    }
    if (options.copied)
      await this.#copy.flush().catch((err) => console.warn("copy to D1 failed; the alarm tries again", err));
    return { ok: true, ...received };
  }

  /** Edits a message of the caller's; everyone in the room sees the new text at once. */
  async edit(input: ChangeInput & { content: string }): Promise<ChangeResult> {
    return this.#change(input, edited(input.content), "message_edited");
  }

  /** Deletes a message of the caller's: its text is gone, its place in history stays. */
  async remove(input: ChangeInput): Promise<ChangeResult> {
    return this.#change(input, deleted(), "message_deleted");
  }

  #change(input: ChangeInput, change: ReturnType<typeof edited>, type: "message_edited" | "message_deleted") {
    return this.#serialised(async () => {
      await this.#copy.flush();
      const result = await changeMessage(this.#room, input, change);
      if (result.ok) this.#sockets.broadcast({ type, message: result.message });
      return result;
    });
  }

  /** A page of the room's history, for the worker's REST routes. */
  async history(page: HistoryQuery): Promise<HistoryPage> {
    return this.#history.page(page);
  }

  /** Who joined or left, from the worker's member routes; the ones who left lose their sockets. */
  async membersChanged(change: { joined: MemberSummary[]; left: number[] }) {
    this.#news.forgetRoom();
    for (const user of change.joined) this.#sockets.broadcast({ type: "member_joined", user });
    for (const userId of change.left) {
      for (const ws of this.#sockets.all(userId)) ws.close(4003, "removed from the room");
      this.#sockets.broadcast({ type: "member_left", user: userId });
    }
  }

  /** The room's title changed: the next inbox news reads it again. */
  async renamed() {
    this.#news.forgetRoom();
  }

  /** A deactivated user's sockets close at once: their token no longer opens one either. */
  async signOut(userId: number) {
    for (const ws of this.#sockets.all(userId)) ws.close(4001, "signed out");
  }

  /** The room is gone: every socket closes, and its store starts again empty. */
  async roomDeleted() {
    for (const ws of this.#sockets.all()) ws.close(4004, "room deleted");
    this.#news.forget();
    this.#typing.forget();
    await this.ctx.storage.deleteAll();
    this.#store.open();
    this.#sequencer.open();
    this.#copy.recount();
  }

  /** Schedules the alarm no later than `at`, or a heartbeat from now. */
  async #ensureAlarm(at = Date.now() + HEARTBEAT_EVERY_MS) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Retries a failed copy, lapses typing, drops sockets that stopped pinging, and renews presence. */
  async alarm() {
    if (this.#copy.pending > 0) {
      await this.#copy.flush().catch(async (err) => {
        console.warn("copy to D1 failed again", err);
        await this.#ensureAlarm(Date.now() + COPY_RETRY_MS);
      });
    }
    const at = Date.now();
    await this.#typing.lapse(at);
    const silent = closeSilentSockets(this.ctx, (ws) => this.#sockets.who(ws).connectedAt, at);
    const here = this.#sockets
      .usersHere()
      .filter((userId) => this.#sockets.all(userId).some((ws) => !silent.includes(ws)));
    if (silent.length > 0) this.#sockets.broadcast({ type: "here", users: here });
    const presence = presenceStore(this.env);
    await Promise.all(here.map((userId) => presence.heartbeat(userId)));
    const nextLapse = await this.#typing.nextLapse();
    if (here.length > 0) await this.#ensureAlarm();
    if (nextLapse !== undefined) await this.#ensureAlarm(nextLapse);
  }
}

const ROOM_NAME_PREFIX = "room:";

/** The object that owns a room. */
export function roomObject(env: Env, roomId: number) {
  return env.ROOM.get(env.ROOM.idFromName(`${ROOM_NAME_PREFIX}${roomId}`));
}
