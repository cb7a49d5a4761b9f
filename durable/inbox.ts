/**
 * One Durable Object per user: their inbox. It holds the user's inbox sockets (one per tab)
 * and tells them about rooms they are not looking at: new messages, unread counts, being
 * added to or removed from a room. With it, a tab needs two sockets whatever the number of
 * rooms: its inbox and the room it shows.
 */
import { DurableObject } from "cloudflare:workers";
import { database } from "../core/db";
import { unreadCounts } from "../core/db/messages";
import { errorBody } from "../core/errors";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../core/presence";
import { type InboxFrame, PING, PONG, SUBPROTOCOL, type WireMessage } from "../core/protocol";
import { closeSilentSockets } from "./keep-alive";

/** Most inbox sockets one user may hold open (tabs and devices). */
export const MAX_INBOX_SOCKETS = 8;
export const TRUSTED_INBOX_USER_HEADER = "x-condor-user";

export class Inbox extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** An authenticated upgrade from the worker: the socket first gets the unread counts. */
  async fetch(request: Request): Promise<Response> {
    const userId = Number(request.headers.get(TRUSTED_INBOX_USER_HEADER));
    if (this.ctx.getWebSockets().length >= MAX_INBOX_SOCKETS) {
      return Response.json(errorBody(`At most ${MAX_INBOX_SOCKETS} open inbox sockets.`, "throttled"), { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ connectedAt: Date.now() });
    await this.ctx.storage.put("userId", userId);
    const counts = await unreadCounts(database(this.env), userId);
    server.send(JSON.stringify({ type: "unread", counts } satisfies InboxFrame));
    await presenceStore(this.env).heartbeat(userId);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_EVERY_MS);
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
    const userId = await this.ctx.storage.get<number>("userId");
    if (userId !== undefined) await presenceStore(this.env).offline(userId);
  }

  /** Renews the user's presence while any tab is open; a tab gone silent counts as closed. */
  async alarm() {
    const userId = await this.ctx.storage.get<number>("userId");
    closeSilentSockets(this.ctx, (ws) => (ws.deserializeAttachment() as { connectedAt: number }).connectedAt);
    if (userId === undefined) return;
    if (this.#openSockets().length === 0) return this.#wentAway();
    await presenceStore(this.env).heartbeat(userId);
    await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_EVERY_MS);
  }

  #openSockets() {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
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

  /** New messages of one room, oldest first; `opensDm` when the first of them opened a DM. */
  async roomMessages(messages: WireMessage[], title: string, opensDm: boolean) {
    for (const [i, message] of messages.entries()) {
      await this.push({ type: "room_message", room: message.room, title, message, first_dm: opensDm && i === 0 });
    }
  }
}

/** The inbox of a user. */
export function inboxObject(env: Env, userId: number) {
  return env.INBOX.get(env.INBOX.idFromName(`user:${userId}`));
}
