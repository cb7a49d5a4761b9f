/**
 * One Durable Object per user: their inbox. It holds the user's inbox sockets (one per tab)
 * and tells them about rooms they are not looking at: new messages, unread counts, being
 * added to or removed from a room. With it, a tab needs two sockets whatever the number of
 * rooms: its inbox and the room it shows.
 */
import { DurableObject } from "cloudflare:workers";
import { database } from "../worker/db";
import { unreadCounts } from "../worker/db/messages";
import { PING, PONG, type InboxFrame, type WireMessage } from "./protocol";

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
      const text = `At most ${MAX_INBOX_SOCKETS} open inbox sockets.`;
      return Response.json({ error: text, detail: text, code: "throttled" }, { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ userId });
    const counts = await unreadCounts(database(this.env), userId);
    server.send(JSON.stringify({ type: "unread", counts } satisfies InboxFrame));
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": "condor.v1" } });
  }

  /** Inbox sockets only listen; anything a client says here is ignored but the ping. */
  async webSocketMessage() {}

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }

  /** Sends a frame to every open tab of this user. */
  async push(frame: InboxFrame) {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
      } catch {
        // Closed under us.
      }
    }
  }

  /** Whether any tab is listening; rooms skip the work of a notification when none is. */
  async listening(): Promise<boolean> {
    return this.ctx.getWebSockets().length > 0;
  }

  async roomMessage(message: WireMessage, title: string, firstDm: boolean) {
    await this.push({ type: "room_message", room: message.room, title, message, first_dm: firstDm });
  }
}

/** The inbox of a user. */
export function inboxObject(env: Env, userId: number) {
  return env.INBOX.get(env.INBOX.idFromName(`user:${userId}`));
}
