/**
 * The baseline the fan-out is measured against: a minimal WebSocket relay written with
 * `ws`. Every text frame a socket sends goes to every socket of its room (the sender
 * included, as a room sends a message back to its sender); the room is the URL's path.
 * No authentication, no storage, no parsing: the floor of what relaying costs in Node.
 *
 * Run as its own process (`node scripts/bench/relay.ts` prints its port), so it has a
 * core of its own as workerd does, not the bench's.
 */
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type WebSocket, WebSocketServer } from "ws";

export type Relay = { url: string; pid: number; stop(): Promise<void> };

function serve() {
  const rooms = new Map<string, Set<WebSocket>>();
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  server.on("connection", (ws, request) => {
    const name = request.url ?? "/";
    const room = rooms.get(name) ?? new Set<WebSocket>();
    rooms.set(name, room);
    room.add(ws);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      for (const peer of room) peer.send(data, { binary: false });
    });
    ws.on("close", () => {
      room.delete(ws);
      if (room.size === 0) rooms.delete(name);
    });
  });
  server.on("listening", () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${port}\n`);
  });
}

/** Starts the relay in a child process; resolves with its address once it listens. */
export function startRelay(): Promise<Relay> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the ws relay exited (${code})`)));
    child.stdout.once("data", (chunk: Buffer) => {
      resolve({
        url: `ws://127.0.0.1:${chunk.toString().trim()}`,
        pid: child.pid!,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) serve();
