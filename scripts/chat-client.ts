/**
 * A participant in a room over its WebSocket, as a careful client behaves: it reconnects
 * when the socket drops, asks for what it missed (`?after=<last id>`), and resends every
 * message not yet acknowledged with its own client id, so the server stores each once.
 * It records every message it receives, in order, so that callers can compare it with the
 * room's history. Used by `npm run soak` and the fault tests that restart the server.
 */
import { BEARER_PREFIX, PING, SUBPROTOCOL } from "../core/protocol.ts";

type Frame = {
  type: string;
  client_id?: string;
  code?: string;
  message?: { id: number; content: string; sender: number };
  messages?: { id: number; content: string; sender: number }[];
  last_id?: number;
  has_more?: boolean;
};

export type Participant = {
  /** Ids of the messages received, in the order received (catch-ups included). */
  readonly received: number[];
  /** Client id to the id of the stored message, for every acknowledged send. */
  readonly acked: Map<string, number>;
  /** How many times the socket was opened again after dropping. */
  readonly reconnects: number;
  /** Sends refused as over the rate, each resent later. */
  readonly throttled: number;
  /** Sends the server could not store at that moment, each resent later. */
  readonly unavailable: number;
  /** Queues a message; it is sent now, or when the socket is back. Answers its client id. */
  send(content: string): string;
  /** Resolves once every message sent so far is acknowledged. */
  allAcked(): Promise<void>;
  /** Resolves once a message with this id (or a later one) has arrived. */
  seen(id: number): Promise<void>;
  close(): void;
};

const RECONNECT_AFTER_MS = 250;
/** As the page does: the server takes a socket silent for 90 s for dead. */
const PING_EVERY_MS = 25_000;
/** A connection not live by then is given up and tried again (a restarting server may hold it). */
const LIVE_WITHIN_MS = 5000;

/** Joins a room's socket as a careful client; resolves once it is live (caught up). */
export async function joinRoom(options: {
  url: string;
  roomId: number;
  token: () => string;
  name: string;
}): Promise<Participant> {
  const received: number[] = [];
  const acked = new Map<string, number>();
  const unacked = new Map<string, string>();
  const waiters = new Set<() => void>();
  let lastId = 0;
  let sequence = 0;
  let live = false;
  let closing = false;
  let socket: WebSocket | undefined;
  const counts = { reconnects: 0, throttled: 0, unavailable: 0 };
  let firstLive: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (firstLive = resolve));

  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const transmit = (clientId: string) => {
    if (live && socket?.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "send", client_id: clientId, content: unacked.get(clientId) }));
    }
  };
  const resendLater = (clientId: string, ms: number) =>
    setTimeout(() => unacked.has(clientId) && transmit(clientId), ms);

  function connect() {
    const url = `${options.url.replace(/^http/, "ws")}/api/v1/rooms/${options.roomId}/socket/?after=${lastId}`;
    const ws = new WebSocket(url, [SUBPROTOCOL, `${BEARER_PREFIX}${options.token()}`]);
    socket = ws;
    const giveUp = setTimeout(() => ws.close(), LIVE_WITHIN_MS);
    const pinger = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(PING), PING_EVERY_MS);
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      switch (frame.type) {
        case "pong":
          return;
        case "message":
        case "messages":
          // Several in one frame when a busy room took them together.
          for (const { id } of frame.messages ?? [frame.message!]) {
            received.push(id);
            lastId = Math.max(lastId, id);
          }
          wake();
          return;
        case "caught_up":
          if (frame.has_more) throw new Error(`${options.name} fell more than one catch-up behind`);
          clearTimeout(giveUp);
          live = true;
          firstLive();
          for (const clientId of unacked.keys()) transmit(clientId);
          return;
        case "ack":
          acked.set(frame.client_id!, frame.message!.id);
          unacked.delete(frame.client_id!);
          wake();
          return;
        case "error":
          if (frame.client_id && frame.code === "throttled") {
            counts.throttled += 1;
            resendLater(frame.client_id, 1000);
          } else if (frame.client_id && frame.code === "unavailable") {
            counts.unavailable += 1;
            resendLater(frame.client_id, 500);
          } else {
            console.warn(`${options.name}: error frame`, frame);
          }
          return;
      }
    });
    let dropped = false;
    const drop = () => {
      clearTimeout(giveUp);
      clearInterval(pinger);
      if (dropped) return;
      dropped = true;
      live = false;
      if (closing) return;
      counts.reconnects += 1;
      setTimeout(connect, RECONNECT_AFTER_MS);
    };
    ws.addEventListener("close", drop);
    // Node's WebSocket may report a failed connection with "error" alone, never "close".
    ws.addEventListener("error", drop);
  }

  connect();
  await ready;

  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      if (done()) return resolve();
      const check = () => {
        if (!done()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  return {
    received,
    acked,
    get reconnects() {
      return counts.reconnects;
    },
    get throttled() {
      return counts.throttled;
    },
    get unavailable() {
      return counts.unavailable;
    },
    send(content) {
      sequence += 1;
      const clientId = `${options.name}-${sequence}`;
      unacked.set(clientId, content);
      transmit(clientId);
      return clientId;
    },
    allAcked: () => until(() => unacked.size === 0),
    seen: (id) => until(() => lastId >= id),
    close() {
      closing = true;
      socket?.close(1000, "done");
    },
  };
}
