/**
 * The bench's baseline in our own runtime: a bare Durable Object relay, one object per room
 * under the same `wrangler dev` settings as the app, so the share of a message's cost that
 * is the runtime's (workerd, wrangler's proxy, a Durable Object's socket) is measured rather
 * than guessed. Only `npm run bench` runs it (scripts/bench/bare-object.ts).
 *
 *   GET /bare/<room>        every text frame to every socket of the room, nothing else
 *   GET /committing/<room>  the same, each frame first written to the object's SQLite, so
 *                           the output gate holds the relay until it is durable (as our acks)
 */
import { DurableObject } from "cloudflare:workers";

type BareEnv = { BARE: DurableObjectNamespace<BareRoom>; COMMITTING: DurableObjectNamespace<CommittingRoom> };

export class BareRoom extends DurableObject<BareEnv> {
  async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(_ws: WebSocket, frame: string | ArrayBuffer) {
    if (typeof frame !== "string") return;
    this.relay(frame);
  }

  protected relay(frame: string) {
    for (const socket of this.ctx.getWebSockets()) socket.send(frame);
  }
}

export class CommittingRoom extends BareRoom {
  constructor(ctx: DurableObjectState, env: BareEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  async webSocketMessage(_ws: WebSocket, frame: string | ArrayBuffer) {
    if (typeof frame !== "string") return;
    this.ctx.storage.sql.exec("INSERT INTO frames (body) VALUES (?)", frame);
    this.relay(frame);
  }
}

export default {
  fetch(request: Request, env: BareEnv): Promise<Response> | Response {
    const [, kind, room] = new URL(request.url).pathname.split("/");
    if (request.headers.get("upgrade") !== "websocket" || !room) return new Response("not found", { status: 404 });
    const namespace = kind === "bare" ? env.BARE : kind === "committing" ? env.COMMITTING : undefined;
    if (!namespace) return new Response("not found", { status: 404 });
    return namespace.get(namespace.idFromName(room)).fetch(request);
  },
};
