/**
 * The room's WebSockets, through the hibernation API: the object may be evicted while
 * sockets stay open, so who a socket belongs to lives in its attachment. A new socket's
 * catch-up (catch-up.ts) reads the store in the same turn as it is accepted, so nothing can
 * be broadcast in between.
 */
import type { RoomFrame, SocketErrorCode, WireMessage } from "../../core/protocol";
import { closeSilentSockets } from "../keep-alive";

type Attachment = { userId: number; connectedAt: number };

export class RoomSockets {
  /** Each socket's attachment as read once: it never changes, and reading it again is a structured clone per socket per message. */
  readonly #known = new WeakMap<WebSocket, Attachment>();

  constructor(private readonly ctx: DurableObjectState) {}

  /** Takes a new socket of a user's. */
  accept(ws: WebSocket, userId: number) {
    this.ctx.acceptWebSocket(ws, [`user:${userId}`]);
    const attachment = { userId, connectedAt: Date.now() } satisfies Attachment;
    ws.serializeAttachment(attachment);
    this.#known.set(ws, attachment);
  }

  /** Every open socket, or a user's. */
  all(userId?: number): WebSocket[] {
    return userId === undefined ? this.ctx.getWebSockets() : this.ctx.getWebSockets(`user:${userId}`);
  }

  who(ws: WebSocket): Attachment {
    let attachment = this.#known.get(ws);
    if (!attachment) {
      attachment = ws.deserializeAttachment() as Attachment;
      this.#known.set(ws, attachment);
    }
    return attachment;
  }

  /** The users with a socket open, but `except`'s, in id order. */
  usersHere(except?: WebSocket): number[] {
    const ids = new Set<number>();
    for (const ws of this.all()) if (ws !== except) ids.add(this.who(ws).userId);
    return [...ids].sort((a, b) => a - b);
  }

  send(ws: WebSocket, frame: RoomFrame) {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket closed under us; its close handler tidies up.
    }
  }

  /** Answers a socket's frame with an error; one answering a send carries its client id. */
  refuse(ws: WebSocket, code: SocketErrorCode, message: string, client_id?: string) {
    this.send(ws, { type: "error", code, message, client_id });
  }

  /** Sends a frame to every socket but `except`. */
  broadcast(frame: RoomFrame, except?: WebSocket) {
    const text = JSON.stringify(frame);
    for (const ws of this.all()) {
      if (ws === except) continue;
      try {
        ws.send(text);
      } catch {
        // As in send.
      }
    }
  }

  /**
   * Sends committed messages to every socket: one frame for a group, so a busy room of 10
   * sends each socket a frame per group rather than per message, which was a sixth of its CPU.
   */
  broadcastMessages(messages: WireMessage[]) {
    this.broadcast(messages.length === 1 ? { type: "message", message: messages[0] } : { type: "messages", messages });
  }

  /** A socket closed (with `code`, when the client closed it) or failed: the others hear who is still here. */
  leave(ws: WebSocket, code?: number) {
    this.broadcast({ type: "here", users: this.usersHere(ws) }, ws);
    if (code === undefined) return;
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }

  /** Closes the sockets that stopped pinging, telling the others; returns who is still here. */
  closeSilent(at: number): number[] {
    const silent = closeSilentSockets(this.ctx, (ws) => this.who(ws).connectedAt, at);
    const here = this.usersHere().filter((userId) => this.all(userId).some((ws) => !silent.includes(ws)));
    if (silent.length > 0) this.broadcast({ type: "here", users: here });
    return here;
  }
}
