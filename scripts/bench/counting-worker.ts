/**
 * The bench's counting build: the real worker and Durable Objects, with what they ask of
 * others counted: D1 round trips, statements (by SQL text) and time waited on them,
 * Durable Object requests
 * (calls on a stub, and WebSocket frames a room receives), and Upstash requests and
 * commands. Only `npm run bench` runs it, under a wrangler config it generates; the
 * production worker (worker/index.ts) has no counter and no route for one.
 *
 *   GET  /__bench/counts   the counts so far
 *   POST /__bench/reset    zero them
 *   PUT  /__bench/r2-put   puts the body in R2 as it is: the baseline of the upload part
 */
import app, { Inbox as RealInbox, Presence as RealPresence, Room as RealRoom } from "../../worker/index";

const counts: Record<string, number> = {};
function count(name: string, by = 1) {
  counts[name] = (counts[name] ?? 0) + by;
}

/** Adds the time a D1 round trip took (Date.now() in workerd moves on I/O, which is all this is). */
function timed<T>(work: Promise<T>): Promise<T> {
  const started = Date.now();
  return work.finally(() => count("d1 ms waited", Date.now() - started));
}

/** The SQL of each counted statement, to say which queries a message costs. */
const sqlOf = new WeakMap<object, string>();
const realStatementOf = new WeakMap<object, D1PreparedStatement>();

function countedStatement(statement: D1PreparedStatement, sql: string): D1PreparedStatement {
  const counted = new Proxy(statement, {
    get(target, property) {
      if (property === "bind") return (...values: unknown[]) => countedStatement(target.bind(...values), sql);
      if (property === "first" || property === "all" || property === "run" || property === "raw") {
        return (...args: unknown[]) => {
          count("d1 round trips");
          count(`d1: ${sql}`);
          return timed((target[property] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  sqlOf.set(counted, sql);
  realStatementOf.set(counted, statement);
  return counted;
}

function countedDatabase(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => countedStatement(target.prepare(sql), sql);
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          count("d1 round trips");
          for (const statement of statements) count(`d1: ${sqlOf.get(statement) ?? "?"}`);
          return timed(target.batch(statements.map((statement) => realStatementOf.get(statement) ?? statement)));
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function countedStub<T extends object>(binding: string, stub: T): T {
  return new Proxy(stub, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof property !== "string" || property === "then" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        count(`do: ${binding}.${property}`);
        return (target as Record<string, (...a: unknown[]) => unknown>)[property](...args);
      };
    },
  });
}

function countedNamespace<T extends object>(binding: string, namespace: T): T {
  return new Proxy(namespace, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === "get" || property === "getByName") {
        return (...args: unknown[]) => countedStub(binding, (value as (...a: unknown[]) => object).apply(target, args));
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Upstash is reached with fetch: requests to its URL are counted, and the commands in them. */
let upstashOrigin: string | undefined;
const realFetch = globalThis.fetch;
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = new Request(input, init);
  if (upstashOrigin && request.url.startsWith(upstashOrigin)) {
    count("upstash requests");
    const body = (await request.clone().json()) as unknown[];
    const commands = new URL(request.url).pathname.replace(/\/+$/, "") === "" ? [body] : (body as unknown[][]);
    for (const command of commands) count(`upstash: ${String((command as unknown[])[0]).toUpperCase()}`);
    count("upstash commands", commands.length);
  }
  return realFetch(request);
};

function countedEnv(env: Env): Env {
  upstashOrigin = env.UPSTASH_REDIS_REST_URL || undefined;
  return {
    ...env,
    DB: countedDatabase(env.DB),
    ROOM: countedNamespace("Room", env.ROOM),
    INBOX: countedNamespace("Inbox", env.INBOX),
    PRESENCE: countedNamespace("Presence", env.PRESENCE),
  };
}

export class Room extends RealRoom {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countedEnv(env));
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    count("do: Room.webSocketMessage");
    return super.webSocketMessage(ws, raw);
  }
}

export class Inbox extends RealInbox {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countedEnv(env));
  }
}

export class Presence extends RealPresence {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countedEnv(env));
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/__bench/counts") return Response.json(counts);
    if (pathname === "/__bench/reset" && request.method === "POST") {
      for (const name of Object.keys(counts)) delete counts[name];
      return new Response(null, { status: 204 });
    }
    if (pathname === "/__bench/r2-put" && request.method === "PUT") {
      const key = `bench/${crypto.randomUUID()}`;
      await env.AVATARS.put(key, await request.arrayBuffer());
      await env.AVATARS.delete(key);
      return new Response(null, { status: 204 });
    }
    return app.fetch(request, countedEnv(env), ctx);
  },
};
