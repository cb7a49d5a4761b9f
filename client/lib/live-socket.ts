/**
 * A WebSocket that stays open: it authenticates with the access token as a subprotocol,
 * pings so idle proxies keep it, and reconnects with backoff, asking the caller for the
 * address each time (a room socket resumes after the last message it saw).
 */
import { BEARER_PREFIX, PING, SUBPROTOCOL } from "../../durable/protocol";
import type { Session } from "./session";

const PING_EVERY_MS = 25_000;

export type LiveSocket = { send(frame: unknown): boolean; close(): void };

export function liveSocket(
  session: Session,
  address: () => string,
  onFrame: (data: unknown) => void,
  onOpenChange: (open: boolean) => void,
): LiveSocket {
  let ws: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let pinger: ReturnType<typeof setInterval> | undefined;

  const connect = () => {
    const url = new URL(address(), location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(url, [SUBPROTOCOL, `${BEARER_PREFIX}${session.access}`]);
    ws.onopen = () => {
      attempt = 0;
      onOpenChange(true);
      pinger = setInterval(() => ws?.send(PING), PING_EVERY_MS);
    };
    ws.onmessage = (event) => {
      try {
        onFrame(JSON.parse(event.data as string));
      } catch {
        // Not JSON: not from our server; ignore it.
      }
    };
    ws.onclose = (event) => {
      clearInterval(pinger);
      onOpenChange(false);
      // 4003/4004: removed from the room or the room is gone; reconnecting cannot help.
      if (closed || event.code === 4003 || event.code === 4004) return;
      attempt += 1;
      const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      // The token may have expired while we were away: renew it before trying again.
      setTimeout(() => session.renew().catch(() => undefined).finally(() => !closed && connect()), delay);
    };
  };
  connect();

  return {
    send(frame) {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    close() {
      closed = true;
      clearInterval(pinger);
      ws?.close(1000, "bye");
    },
  };
}
