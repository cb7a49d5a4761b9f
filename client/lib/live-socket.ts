/**
 * A WebSocket that stays open: it authenticates with the access token as a subprotocol,
 * pings so idle proxies keep it, and reconnects with exponential backoff and jitter (so a
 * server restart is not met by every client at the same instant), asking the caller for
 * the address each time (a room socket resumes after the last message it saw).
 */
import { BEARER_PREFIX, PING, SUBPROTOCOL } from "../../core/protocol-constants";
import { accessToken, renewAccess } from "./session";

const PING_EVERY_MS = 25_000;
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 30_000;
/** Close codes after which reconnecting cannot help: removed from the room, or it is gone. */
const FINAL_CLOSE_CODES = new Set([4003, 4004]);

export type LiveSocket = {
  send(frame: unknown): boolean;
  /** Drops the connection now and reconnects at once: after the network comes back. */
  reconnect(): void;
  close(): void;
};

/** The wait before reconnect attempt `attempt` (1, 2, ...): doubling, capped, with full jitter on half of it. */
export function backoffDelay(attempt: number, random = Math.random()): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
  return ceiling / 2 + (ceiling / 2) * random;
}

export function liveSocket(
  address: () => string,
  onFrame: (data: unknown) => void,
  onOpenChange: (open: boolean) => void,
): LiveSocket {
  let ws: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let pinger: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const connect = async () => {
    // The token may have expired while we were away: renew it before (re)connecting.
    const token = attempt === 0 && accessToken() ? accessToken() : await renewAccess().catch(() => null);
    if (closed) return;
    if (!token) return scheduleRetry();
    const url = new URL(address(), location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url, [SUBPROTOCOL, `${BEARER_PREFIX}${token}`]);
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
      onOpenChange(true);
      pinger = setInterval(() => socket.send(PING), PING_EVERY_MS);
    };
    socket.onmessage = (event) => {
      try {
        onFrame(JSON.parse(event.data as string));
      } catch {
        // Not JSON: not from our server; ignore it.
      }
    };
    socket.onclose = (event) => {
      if (ws !== socket) return;
      clearInterval(pinger);
      onOpenChange(false);
      if (closed || FINAL_CLOSE_CODES.has(event.code)) return;
      scheduleRetry();
    };
  };
  const scheduleRetry = () => {
    attempt += 1;
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), backoffDelay(attempt));
  };
  // Back online: try at once instead of waiting out the backoff.
  const onOnline = () => {
    if (ws?.readyState !== WebSocket.OPEN) socket.reconnect();
  };
  addEventListener("online", onOnline);
  void connect();

  const socket: LiveSocket = {
    send(frame) {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    reconnect() {
      if (closed) return;
      const old = ws;
      ws = null;
      clearInterval(pinger);
      clearTimeout(retry);
      old?.close(1000, "reconnecting");
      onOpenChange(false);
      attempt = 1;
      void connect();
    },
    close() {
      closed = true;
      removeEventListener("online", onOnline);
      clearInterval(pinger);
      clearTimeout(retry);
      ws?.close(1000, "bye");
    },
  };
  return socket;
}
