/**
 * One Durable Object per user: their inbox. It holds the user's inbox sockets (one per tab)
 * and tells them about rooms they are not looking at: new messages, unread counts, being
 * added to or removed from a room, new titles, edited and deleted messages. With it, a tab needs two sockets whatever the number of
 * rooms: its inbox and the room it shows.
 *
 * It also keeps, per room, the user's unread count and the room's latest message, which the
 * room list reads: rooms tell it of every message, read mark and change. A summary it cannot
 * be sure of (news missed, or out of order) is dropped and asked of the room again, which
 * counts exactly: the inbox only ever answers what a room counted or what follows from it.
 */
import { DurableObject } from "cloudflare:workers";
import { database } from "../core/db";
import { roomAddressesOf } from "../core/db/rooms";
import type { RoomAddress } from "../core/db/schema";
import { errorBody } from "../core/errors";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../core/presence";
import { type InboxFrame, PING, PONG, SUBPROTOCOL, type WireMessage } from "../core/protocol";
import type { Message } from "../core/shapes";
import { InboxPush } from "./inbox-push";
import { BotWebhook } from "./inbox-webhook";
import { closeSilentSockets } from "./keep-alive";
import { roomObject } from "./room/context";

/** Most inbox sockets one user may hold open (tabs and devices). */
export const MAX_INBOX_SOCKETS = 8;

/**
 * A batch of a room's messages as JSON: the room's news serialises a batch once for all of
 * its participants' inboxes, where the runtime would clone the objects once for each.
 */
export type MessagesJson = string & { readonly __messagesJson: unique symbol };
export const messagesJson = (messages: WireMessage[]) => JSON.stringify(messages) as MessagesJson;
/** Most rooms asked for their summary at once, when many are missing (the first room list after an upgrade). */
const SUMMARY_READS_AT_ONCE = 16;

/**
 * A room as one participant's inbox sees it: their unread count and the latest message,
 * as of the room's message `countedTo`, with the participant's read position `readTo`.
 */
export type RoomSummary = {
  unread: number;
  /** Of the unread, the ones that mention the participant. */
  mentions: number;
  latest: Message | null;
  countedTo: number;
  readTo: number;
};
const QUIET: RoomSummary = { unread: 0, mentions: 0, latest: null, countedTo: 0, readTo: 0 };
type SummaryRow = {
  room_id: number;
  unread: number;
  mentions: number;
  latest: string | null;
  counted_to: number;
  read_to: number;
};

export class Inbox extends DurableObject<Env> {
  /** Whose inbox this is, from the name it is addressed by (see inboxObject). */
  readonly #userId = Number(this.ctx.id.name!.slice(INBOX_NAME_PREFIX.length));
  readonly #pushes: InboxPush;
  readonly #webhook: BotWebhook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS room_summaries (
      room_id INTEGER PRIMARY KEY, unread INTEGER NOT NULL, latest TEXT, counted_to INTEGER NOT NULL, read_to INTEGER NOT NULL)`);
    // Summaries kept before mentions were counted count none: no message mentioned anyone then.
    const columns = ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(room_summaries)").toArray();
    if (!columns.some((column) => column.name === "mentions"))
      ctx.storage.sql.exec("ALTER TABLE room_summaries ADD COLUMN mentions INTEGER NOT NULL DEFAULT 0");
    this.#pushes = new InboxPush(
      () => this.env,
      this.#userId,
      ctx.storage.sql,
      (at) => this.#wakeBy(at),
    );
    this.#webhook = new BotWebhook(
      () => this.env,
      this.#userId,
      ctx.storage.sql,
      (at) => this.#wakeBy(at),
    );
  }

  /** Sets the alarm to ring no later than `at`. */
  async #wakeBy(at: number) {
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > at) await this.ctx.storage.setAlarm(at);
  }

  /** An upgrade the worker has authenticated as this inbox's user: the socket first gets the unread counts. */
  async fetch(): Promise<Response> {
    const userId = this.#userId;
    if (this.ctx.getWebSockets().length >= MAX_INBOX_SOCKETS) {
      return Response.json(errorBody(`At most ${MAX_INBOX_SOCKETS} open inbox sockets.`, "throttled"), { status: 429 });
    }
    const summaries = await this.summaries(await roomAddressesOf(database(this.env), userId));
    const counts = Object.fromEntries(Object.entries(summaries).map(([room, summary]) => [room, summary.unread]));
    const mentions = Object.fromEntries(Object.entries(summaries).map(([room, summary]) => [room, summary.mentions]));
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ connectedAt: Date.now() });
    server.send(JSON.stringify({ type: "unread", counts, mentions } satisfies InboxFrame));
    await presenceStore(this.env).heartbeat(userId);
    await this.#wakeBy(Date.now() + HEARTBEAT_EVERY_MS);
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  /** Inbox sockets only listen; anything a client says here is ignored but the ping. */
  async webSocketMessage() {}

  async webSocketClose(ws: WebSocket, code: number) {
    // Presence first: once the tab sees its socket closed, its user already reads offline.
    await this.#wentAway();
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }

  async webSocketError() {
    await this.#wentAway();
  }

  /**
   * The inbox is the one place that sees all of a user's tabs, so it is the one that says
   * "offline" when the last closes. Room sockets only ever renew presence.
   */
  async #wentAway() {
    if (this.#openSockets().length > 0) return;
    await presenceStore(this.env).offline(this.#userId);
  }

  /** Renews the user's presence while any tab is open (a tab gone silent counts as closed); sends pushes due again. */
  async alarm() {
    await this.#pushes.retryDue().catch((err) => console.warn("push retries failed", err));
    const retry = this.#pushes.nextDue();
    if (retry !== undefined) await this.ctx.storage.setAlarm(retry);
    // Beside the alarm, not in it: a webhook's seconds do not hold up presence.
    this.ctx.waitUntil(this.#webhook.retryDue().catch((err) => console.warn("webhook retries failed", err)));
    const webhookRetry = this.#webhook.nextDue();
    if (webhookRetry !== undefined) await this.#wakeBy(webhookRetry);
    closeSilentSockets(this.ctx, (ws) => (ws.deserializeAttachment() as { connectedAt: number }).connectedAt);
    if (this.#openSockets().length === 0) return this.#wentAway();
    await presenceStore(this.env).heartbeat(this.#userId);
    await this.#wakeBy(Date.now() + HEARTBEAT_EVERY_MS);
  }

  #openSockets() {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /** The user subscribed a browser to pushes. */
  async subscribedToPush() {
    this.#pushes.subscribed();
  }

  /** The user was deactivated: every tab's inbox socket closes. */
  async signOut() {
    for (const ws of this.ctx.getWebSockets()) ws.close(4001, "signed out");
  }

  /** Sends a frame to every open tab of this user. */
  async push(frame: InboxFrame) {
    const sockets = this.ctx.getWebSockets();
    // Most members of a busy room have no tab open: their news costs nothing then.
    if (sockets.length === 0) return;
    const text = JSON.stringify(frame);
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // Closed under us.
      }
    }
  }

  /** The user's summary of each of these rooms: kept ones, and the others asked of their rooms. */
  async summaries(rooms: RoomAddress[]): Promise<Record<string, RoomSummary>> {
    const roomIds = rooms.map((room) => room.id);
    const kept = new Map(
      this.ctx.storage.sql
        .exec<SummaryRow>("SELECT * FROM room_summaries")
        .toArray()
        .map((row) => [row.room_id, summaryOf(row)]),
    );
    const missing = rooms.filter((room) => !kept.has(room.id));
    for (let start = 0; start < missing.length; start += SUMMARY_READS_AT_ONCE) {
      const asked = missing.slice(start, start + SUMMARY_READS_AT_ONCE);
      const answers = await Promise.allSettled(
        asked.map((room) => roomObject(this.env, room).summaryFor(this.#userId)),
      );
      for (const [i, answer] of answers.entries()) {
        // A room that cannot answer now shows as quiet, and is asked again next time.
        if (answer.status === "rejected") console.warn(`room ${asked[i].id} gave no summary`, answer.reason);
        const summary = answer.status === "fulfilled" ? answer.value : QUIET;
        if (answer.status === "fulfilled") this.#keep(asked[i].id, summary);
        kept.set(asked[i].id, summary);
      }
    }
    return Object.fromEntries(roomIds.map((id) => [String(id), kept.get(id)!]));
  }

  /**
   * New messages of one room (`news`, as JSON), oldest first, told after the room's message `since` (0 for a
   * room's first): they count as unread unless the user sent them or has read past them.
   * `opensDm` when the first of them opened a DM. Thread replies are not the room's timeline:
   * they count nowhere, and are news only in the threads the user is `following`. A bot's
   * inbox calls its webhook for the ones that mention it, and for all in a DM (`isGroup` false).
   * `watching` when the user has a socket open on the room (an API client, say): they see
   * its messages there, so none is pushed.
   */
  async roomMessages(
    news: MessagesJson,
    title: string,
    opensDm: boolean,
    since: number,
    following: number[] = [],
    isGroup = true,
    watching = false,
  ) {
    const messages = JSON.parse(news) as WireMessage[];
    const row = this.#row(messages[0].room);
    const timeline = messages.filter((message) => message.thread_root === undefined);
    if (row && row.counted_to < since) this.#forget(row.room_id);
    else if (row && timeline.length > 0) {
      const fresh = timeline.filter((message) => message.id > row.counted_to);
      const unread = fresh.filter((message) => message.sender !== this.#userId && message.id > row.read_to);
      const mentions = unread.filter((message) => message.mentions?.includes(this.#userId)).length;
      const latest = fresh.at(-1) ?? summaryOf(row).latest;
      this.#keep(row.room_id, {
        unread: row.unread + unread.length,
        mentions: row.mentions + mentions,
        latest: latest && withoutClientId(latest),
        countedTo: Math.max(row.counted_to, timeline.at(-1)!.id),
        readTo: row.read_to,
      });
    }
    // Not awaited: the room waits for no push service.
    const away = !watching && this.#openSockets().length === 0;
    this.ctx.waitUntil(
      this.#pushes
        .roomMessages(messages, title, away)
        .catch((err) => console.warn("push for new messages failed", err)),
    );
    this.ctx.waitUntil(
      this.#webhook.roomMessages(messages, isGroup).catch((err) => console.warn("a bot's webhook call failed", err)),
    );
    for (const [i, message] of messages.entries()) {
      const { room } = message;
      if (message.thread_root === undefined)
        await this.push({ type: "room_message", room, title, message, first_dm: opensDm && i === 0 });
      else if (message.sender !== this.#userId && following.includes(message.thread_root))
        await this.push({ type: "thread_reply", room, title, message });
    }
  }

  /**
   * A room's exact count for this user, after a read mark or a delete: kept unless news of
   * later messages came first, when it is dropped and asked for again when next needed.
   */
  async roomSummary(roomId: number, summary: RoomSummary) {
    const row = this.#row(roomId);
    if (row && row.counted_to > summary.countedTo) {
      this.#forget(roomId);
      return;
    }
    this.#keep(roomId, summary);
    // Not awaited, as for new messages.
    if (summary.unread === 0)
      this.ctx.waitUntil(this.#pushes.roomRead(roomId).catch((err) => console.warn("push of a read room failed", err)));
    await this.push({ type: "unread", counts: { [roomId]: summary.unread }, mentions: { [roomId]: summary.mentions } });
  }

  /**
   * A message was edited or deleted: the kept preview changes if it is the latest, with the
   * room's exact `summary` when the change moved the counts; the tabs hear of it either way.
   */
  async messageChanged(message: Message, summary?: RoomSummary) {
    if (summary) await this.roomSummary(message.room, summary);
    else {
      const row = this.#row(message.room);
      if (row && summaryOf(row).latest?.id === message.id)
        this.#keep(row.room_id, { ...summaryOf(row), latest: message });
    }
    await this.push({ type: "message_changed", room: message.room, message });
  }

  /** The user left the room, or it was deleted: their tabs drop it, and its summary goes. */
  async removedFromRoom(roomId: number) {
    this.#forget(roomId);
    await this.push({ type: "removed_from_room", room: roomId });
  }

  #row(roomId: number): SummaryRow | undefined {
    return this.ctx.storage.sql.exec<SummaryRow>("SELECT * FROM room_summaries WHERE room_id = ?", roomId).toArray()[0];
  }

  #keep(roomId: number, summary: RoomSummary) {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO room_summaries (room_id, unread, mentions, latest, counted_to, read_to) VALUES (?, ?, ?, ?, ?, ?)",
      roomId,
      summary.unread,
      summary.mentions,
      summary.latest && JSON.stringify(summary.latest),
      summary.countedTo,
      summary.readTo,
    );
  }

  #forget(roomId: number) {
    this.ctx.storage.sql.exec("DELETE FROM room_summaries WHERE room_id = ?", roomId);
  }
}

function summaryOf(row: SummaryRow): RoomSummary {
  return {
    unread: row.unread,
    mentions: row.mentions,
    latest: row.latest === null ? null : (JSON.parse(row.latest) as Message),
    countedTo: row.counted_to,
    readTo: row.read_to,
  };
}

/** A preview is the message as REST answers it: a sender's client id is for their own sockets. */
function withoutClientId({ client_id: _, ...message }: WireMessage): Message {
  return message;
}

const INBOX_NAME_PREFIX = "user:";

/** The inbox of a user. */
export function inboxObject(env: Env, userId: number) {
  return env.INBOX.get(env.INBOX.idFromName(`${INBOX_NAME_PREFIX}${userId}`));
}
