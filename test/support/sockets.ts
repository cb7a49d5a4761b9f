/**
 * WebSocket clients for tests: open a room or inbox socket the way the browser client does
 * (token in the subprotocol) and wait for frames, each wait bounded by a timeout.
 */
import { exports } from "cloudflare:workers";
import { BEARER_PREFIX, SUBPROTOCOL } from "../../core/protocol";
import { ORIGIN } from "./api";

const WAIT_MS = 3000;

export type TestSocket = {
  ws: WebSocket;
  /** The next frame that matches, waiting for it; frames before it are dropped. */
  next<T = any>(match?: (frame: any) => boolean): Promise<T>;
  /** The next frame of a type. */
  nextOf<T = any>(type: string): Promise<T>;
  /** Frames received and not yet taken. */
  pending(): any[];
  /** Every frame received, as it came (a `messages` frame whole, not read one by one). */
  received(): any[];
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
};

export async function upgrade(path: string, token?: string, protocols?: string[]): Promise<Response> {
  const headers: Record<string, string> = { upgrade: "websocket" };
  const offered = protocols ?? (token ? [SUBPROTOCOL, `${BEARER_PREFIX}${token}`] : [SUBPROTOCOL]);
  headers["sec-websocket-protocol"] = offered.join(", ");
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers }));
}

export async function openSocket(path: string, token: string): Promise<TestSocket> {
  const response = await upgrade(path, token);
  if (response.status !== 101 || !response.webSocket) {
    throw new Error(`expected 101, got ${response.status}: ${await response.text()}`);
  }
  const ws = response.webSocket;
  const frames: any[] = [];
  /** Every frame as it came, `messages` frames whole. */
  const raw: any[] = [];
  const waiters: (() => void)[] = [];
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data as string);
    raw.push(frame);
    // Messages a busy room sends together in one frame are read one by one, as they would
    // be one a frame: tests of order and exactly-once see every message the same way.
    if (frame.type === "messages")
      frames.push(...frame.messages.map((message: unknown) => ({ type: "message", message })));
    else frames.push(frame);
    for (const wake of waiters.splice(0)) wake();
  });
  ws.addEventListener("close", (event) => {
    resolveClosed({ code: event.code, reason: event.reason });
    for (const wake of waiters.splice(0)) wake();
  });
  ws.accept();

  async function next(match: (frame: any) => boolean = () => true) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const index = frames.findIndex(match);
      if (index >= 0) return frames.splice(0, index + 1).pop();
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${WAIT_MS} ms; had ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  return {
    ws,
    next,
    nextOf: (type) => next((frame) => frame.type === type),
    pending: () => [...frames],
    received: () => [...raw],
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    closed,
    close: () => ws.close(1000, "done"),
  };
}

export const openRoom = (token: string, roomId: number, after?: number) =>
  openSocket(`/api/v1/rooms/${roomId}/socket/${after === undefined ? "" : `?after=${after}`}`, token);

/** Opens a room socket and waits until it is live (caught up). */
export async function openLiveRoom(token: string, roomId: number, after?: number): Promise<TestSocket> {
  const socket = await openRoom(token, roomId, after);
  await socket.nextOf("caught_up");
  return socket;
}

export const openInbox = (token: string) => openSocket("/api/v1/inbox/socket/", token);
