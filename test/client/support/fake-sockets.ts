/**
 * WebSocket for component tests: nothing is dialled; a test opens a socket and hands it
 * frames as the room or inbox would, and reads what the page sent.
 */
import { vi } from "vitest";

export class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static opened: FakeSocket[] = [];
  readonly url: string;
  readyState = FakeSocket.CONNECTING;
  readonly sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;

  constructor(url: string | URL) {
    this.url = String(url);
    FakeSocket.opened.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
  }

  /** The server accepted the socket. */
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  /** A frame from the server. */
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

/** Replaces WebSocket for the current test; `FakeSocket.opened` lists the sockets made, in order. */
export function fakeSockets() {
  FakeSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  return FakeSocket.opened;
}

/** The socket made for `path` (e.g. "/api/v1/rooms/5/socket/"), once the page has made it. */
export async function socketFor(path: string): Promise<FakeSocket> {
  await vi.waitFor(() => {
    if (!FakeSocket.opened.some((socket) => new URL(socket.url).pathname === path)) throw new Error(`no ${path} yet`);
  });
  return FakeSocket.opened.findLast((socket) => new URL(socket.url).pathname === path)!;
}
