/**
 * An Upstash-REST-compatible gateway over a real Redis, so presence can run on the same
 * client code (`@upstash/redis`) locally and in tests as it does against Upstash itself,
 * which has no local emulator.
 *
 * It speaks the part of the REST protocol that `@upstash/redis` uses:
 *   POST /            one command as a JSON array      -> {"result": ...} or 400 {"error": ...}
 *   POST /pipeline    an array of commands             -> [{"result"} | {"error"}, ...]
 *   POST /multi-exec  an array of commands, atomically -> the same array, or 400 {"error"}
 * Every request needs `Authorization: Bearer <token>`. With `Upstash-Encoding: base64`
 * (the client's default) every string in a result is base64 of its bytes, except the
 * status reply "OK", which the client expects verbatim.
 *
 * Run it: `node scripts/upstash-gateway.ts [--port 8079] [--redis-url redis://...] [--token ...]`
 * (or GATEWAY_PORT, REDIS_URL, UPSTASH_REDIS_REST_TOKEN); or import `startGateway`.
 * Node runs this file directly: it only uses TypeScript syntax that Node can strip.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createClient, ErrorReply, RESP_TYPES } from "redis";

export type GatewayOptions = {
  /** 0 picks a free port. */
  port?: number;
  redisUrl?: string;
  token: string;
  maxBodyBytes?: number;
};

export type Gateway = { url: string; close(): Promise<void> };

type Command = string[];
/** What node-redis answers over RESP2 with bulk strings kept as bytes. */
type Reply = Buffer | string | number | null | Error | Reply[];
type Answer = { result: unknown } | { error: string };

const DEFAULT_PORT = 8079;
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Commands refused because every request shares one Redis connection: these would change
 * that connection's state for everyone (MULTI, SELECT, SUBSCRIBE, ...) or hold it while
 * they block. Transactions go through /multi-exec instead.
 */
const SHARED_CONNECTION_UNSAFE = new Set([
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "SELECT",
  "SWAPDB",
  "AUTH",
  "HELLO",
  "RESET",
  "QUIT",
  "CLIENT",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "BLPOP",
  "BRPOP",
  "BRPOPLPUSH",
  "BLMOVE",
  "BLMPOP",
  "BZPOPMIN",
  "BZPOPMAX",
  "BZMPOP",
  "WAIT",
  "WAITAOF",
]);

/** A request the gateway refuses before it reaches Redis. */
class Refusal extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Starts the gateway; resolves once Redis has answered and the port is listening. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const expectedToken = digest(options.token);
  let everConnected = false;
  let answering = false;
  const redis = createClient({
    url: options.redisUrl ?? DEFAULT_REDIS_URL,
    RESP: 2,
    // Without Redis a request fails at once instead of waiting in a queue.
    disableOfflineQueue: true,
    socket: {
      // Give up if Redis never answered (startGateway rejects); once it has, keep trying.
      reconnectStrategy: (retries, cause) => (everConnected ? Math.min(100 * retries, 2000) : cause),
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  // Said once per outage, not once per reconnection attempt.
  redis.on("ready", () => {
    if (everConnected && !answering) console.warn("upstash-gateway: Redis is back");
    everConnected = answering = true;
  });
  redis.on("error", (error: Error) => {
    if (answering) console.warn(`upstash-gateway: lost Redis (${error.message}); answering 503 until it is back`);
    answering = false;
  });
  await redis.connect();

  const send = (command: Command) => redis.sendCommand(command) as Promise<Reply>;

  async function answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    if (request.method !== "POST") throw new Refusal(405, "Only POST is supported.");
    if (!authorised(request.headers.authorization, expectedToken)) throw new Refusal(401, "Unauthorized");
    const path = new URL(request.url ?? "/", "http://gateway").pathname.replace(/\/+$/, "") || "/";
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec")
      throw new Refusal(404, `No such endpoint: ${path}`);
    const body = await readJson(request, maxBodyBytes);
    const base64 = request.headers["upstash-encoding"] === "base64";

    if (path === "/") {
      const result = await settle(send(parseCommand(body)), base64);
      return { status: "error" in result ? 400 : 200, body: result };
    }
    const commands = parseCommands(body);
    if (path === "/pipeline") {
      // Issued in one go, so node-redis writes them back to back on the one connection.
      return { status: 200, body: await Promise.all(commands.map((command) => settle(send(command), base64))) };
    }
    // Sent in the same tick, MULTI, the commands and EXEC reach Redis back to back: no
    // other request's command can land inside the transaction.
    const outcomes = await Promise.allSettled([send(["MULTI"]), ...commands.map(send), send(["EXEC"])]);
    const executed = outcomes.pop()!;
    if (executed.status === "fulfilled") {
      // EXEC answers with one reply per command, and each may be an error of its own.
      const replies = (executed.value as Reply[]).map((each) =>
        each instanceof Error ? { error: each.message } : { result: encode(each, base64) },
      );
      return { status: 200, body: replies };
    }
    // EXECABORT: name the command Redis refused to queue, which is what the caller needs.
    const refused = outcomes.find((each): each is PromiseRejectedResult => each.status === "rejected") ?? executed;
    return { status: 400, body: { error: redisError(refused.reason) } };
  }

  const server = createServer((request, response) => {
    answer(request).then(
      ({ status, body }) => reply(response, status, body),
      (error: unknown) => {
        if (error instanceof Refusal) {
          if (error.status === 413) response.setHeader("connection", "close");
          return reply(response, error.status, { error: error.message });
        }
        // Whatever is left is Redis not answering: the client should see a server error.
        reply(response, 503, { error: `Redis did not answer: ${(error as Error).message}` });
      },
    );
  });
  // Local only: it speaks plain HTTP, and the token is all that guards the Redis.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, "127.0.0.1", resolve);
  }).catch(async (error: Error) => {
    await redis.close();
    throw error;
  });
  const { address, port } = server.address() as AddressInfo;

  return {
    url: `http://${address}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await redis.close();
    },
  };
}

/** A command's answer in Upstash's shape; Redis errors become `{error}`, anything else throws. */
async function settle(pending: Promise<Reply>, base64: boolean): Promise<Answer> {
  try {
    return { result: encode(await pending, base64) };
  } catch (error) {
    return { error: redisError(error) };
  }
}

/** The text of an error Redis answered with; any other failure is passed on. */
function redisError(error: unknown): string {
  if (error instanceof ErrorReply) return error.message;
  throw error;
}

/** A reply as JSON; with base64, strings as base64 of their bytes, "OK" left as it is. */
function encode(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((each) => encode(each, base64));
  if (reply instanceof Error) return reply.message;
  if (typeof reply === "string") {
    return base64 && reply !== "OK" ? Buffer.from(reply).toString("base64") : reply;
  }
  return reply.toString(base64 ? "base64" : "utf8");
}

function parseCommand(body: unknown): Command {
  if (!Array.isArray(body) || body.length === 0) {
    throw new Refusal(400, 'ERR a command is a non-empty JSON array, such as ["GET", "key"]');
  }
  const command = body.map((part) => {
    if (typeof part === "string") return part;
    if (typeof part === "number" || typeof part === "boolean") return String(part);
    throw new Refusal(400, "ERR command arguments must be strings or numbers");
  });
  if (SHARED_CONNECTION_UNSAFE.has(command[0].toUpperCase())) {
    throw new Refusal(400, `ERR ${command[0]} is not supported by this gateway`);
  }
  return command;
}

function parseCommands(body: unknown): Command[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new Refusal(400, "ERR a pipeline is a non-empty JSON array of commands");
  }
  return body.map(parseCommand);
}

function readJson(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (Number(request.headers["content-length"] ?? 0) > maxBytes) {
      reject(new Refusal(413, `Request bodies can be at most ${maxBytes} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering; the answer closes the connection, so the rest is never read.
        request.removeAllListeners("data");
        request.pause();
        reject(new Refusal(413, `Request bodies can be at most ${maxBytes} bytes.`));
      } else {
        chunks.push(chunk);
      }
    });
    request.on("error", reject);
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new Refusal(400, "ERR the body is not JSON"));
      }
    });
  });
}

function reply(response: ServerResponse, status: number, body: unknown) {
  if (response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** Tokens are compared as digests so the comparison takes the same time whatever is sent. */
function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function authorised(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]), expected);
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "redis-url": { type: "string" },
      token: { type: "string" },
    },
  });
  const port = Number(values.port ?? process.env.GATEWAY_PORT ?? DEFAULT_PORT);
  const redisUrl = values["redis-url"] ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const token = values.token ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? randomBytes(24).toString("base64url");
  const gateway = await startGateway({ port, redisUrl, token });
  console.log(`Upstash gateway on ${gateway.url}, over ${redisUrl}. For the worker's .dev.vars:`);
  console.log(`UPSTASH_REDIS_REST_URL=${gateway.url}\nUPSTASH_REDIS_REST_TOKEN=${token}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void gateway.close().then(() => process.exit(0)));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: Error) => {
    console.error(`upstash-gateway: ${error.message}`);
    process.exit(1);
  });
}
