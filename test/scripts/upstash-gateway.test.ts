/**
 * The Upstash gateway, checked with the real `@upstash/redis` client over a real Redis (and
 * with raw requests where the wire format itself is the point).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Gateway, startGateway } from "../../scripts/upstash-gateway";

const redisUrl = inject("redisUrl");
const token = crypto.randomUUID();
// This run's keys only, so parallel runs sharing the Redis neither collide nor leave anything.
const prefix = `condor-gateway-test:${crypto.randomUUID()}:`;
const key = (name: string) => `${prefix}${name}`;

let gateway: Gateway;
let redis: Redis;

/** One raw request to the gateway, as the client would send it unless told otherwise. */
async function post(
  endpoint: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.url}${endpoint}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "upstash-encoding": "base64", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const base64 = (text: string) => Buffer.from(text).toString("base64");

beforeAll(async () => {
  gateway = await startGateway({ port: 0, redisUrl, token });
  redis = new Redis({ url: gateway.url, token, enableTelemetry: false, retry: false });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await gateway.close();
});

describe("the Upstash gateway", () => {
  it("answers a single command", async () => {
    expect(await redis.set(key("greeting"), "hello")).toBe("OK");
    expect(await redis.get(key("greeting"))).toBe("hello");
    expect(await redis.incr(key("count"))).toBe(1);
    expect(await redis.get(key("missing"))).toBeNull();
  });

  it("answers a pipeline in order, with a failed command as an error of its own", async () => {
    await redis.set(key("word"), "condor");
    const results = await redis
      .pipeline()
      .set(key("n"), 1)
      .incr(key("n"))
      .incr(key("word"))
      .get(key("word"))
      .exec({ keepErrors: true });
    expect(results.map((each) => each.result)).toEqual(["OK", 2, undefined, "condor"]);
    expect(results[2].error).toMatch(/not an integer/);
  });

  it("runs /multi-exec as one transaction", async () => {
    const results = await redis.multi().set(key("tx"), 5).incr(key("tx")).get(key("tx")).exec();
    expect(results).toEqual(["OK", 6, 6]);
  });

  it("applies none of a transaction when Redis refuses one of its commands", async () => {
    await redis.set(key("kept"), "before");
    const answer = await post("/multi-exec", [
      ["SET", key("kept"), "after"],
      ["SET", key("kept")],
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/wrong number of arguments/);
    expect(await redis.get(key("kept"))).toBe("before");
  });

  it("keeps concurrent transactions apart", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => redis.multi().set(key("shared"), `v${i}`).get(key("shared")).exec()),
    );
    for (const [i, result] of results.entries()) expect(result).toEqual(["OK", `v${i}`]);
  });

  it("sends every string as base64 of its bytes when asked, so non-ASCII values survive", async () => {
    const text = "héllo, 世界 🦅";
    expect(await post("/", ["SET", key("utf8"), text])).toEqual({ status: 200, body: { result: "OK" } });
    expect(await post("/", ["GET", key("utf8")])).toEqual({ status: 200, body: { result: base64(text) } });
    expect(await post("/", ["PING"])).toEqual({ status: 200, body: { result: base64("PONG") } });
    expect(
      await post("/pipeline", [
        ["STRLEN", key("utf8")],
        ["MGET", key("utf8"), key("none")],
      ]),
    ).toEqual({
      status: 200,
      body: [{ result: Buffer.byteLength(text) }, { result: [base64(text), null] }],
    });
    expect(await redis.get(key("utf8"))).toBe(text);
    expect(await post("/", ["GET", key("utf8")], { "upstash-encoding": "" })).toEqual({
      status: 200,
      body: { result: text },
    });
  });

  it("refuses a missing or wrong token with 401", async () => {
    expect((await post("/", ["PING"], { authorization: "" })).status).toBe(401);
    expect((await post("/", ["PING"], { authorization: "Bearer wrong" })).status).toBe(401);
    const stranger = new Redis({ url: gateway.url, token: "wrong", enableTelemetry: false, retry: false });
    await expect(stranger.get(key("greeting"))).rejects.toThrow(/Unauthorized/);
  });

  it("reports a Redis error as {error} with status 400", async () => {
    await redis.set(key("text"), "abc");
    const answer = await post("/", ["INCR", key("text")]);
    expect(answer).toEqual({ status: 400, body: { error: "ERR value is not an integer or out of range" } });
    await expect(redis.incr(key("text"))).rejects.toThrow(/not an integer/);
  });

  it("refuses a malformed command with 400 before it reaches Redis", async () => {
    expect((await post("/", "not json")).status).toBe(400);
    expect((await post("/", [])).status).toBe(400);
    expect((await post("/", ["SET", key("x"), { nested: true }])).status).toBe(400);
    expect((await post("/pipeline", [])).status).toBe(400);
  });

  it("refuses commands that would change the connection every request shares", async () => {
    const answer = await post("/", ["SELECT", "1"]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/not supported/);
    expect((await post("/pipeline", [["PING"], ["SUBSCRIBE", "news"]])).status).toBe(400);
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const answer = await post("/", ["SET", key("big"), "x".repeat(1024 * 1024)]);
    expect(answer.status).toBe(413);
    expect(await redis.exists(key("big"))).toBe(0);
  });

  it("answers only POST to /, /pipeline and /multi-exec", async () => {
    expect((await post("/elsewhere", ["PING"])).status).toBe(404);
    const get = await fetch(gateway.url, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
  });

  it("does not start without a Redis to talk to", async () => {
    await expect(startGateway({ port: 0, redisUrl: "redis://127.0.0.1:1", token })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("runs from the command line with Node alone", async () => {
    const node = path.join(import.meta.dirname, "../../node_modules/.bin/node");
    const script = path.join(import.meta.dirname, "../../scripts/upstash-gateway.ts");
    const child = spawn(node, [script, "--port", "0", "--redis-url", redisUrl, "--token", token]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk;
          const match = /UPSTASH_REDIS_REST_URL=(\S+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const cli = new Redis({ url, token, enableTelemetry: false, retry: false });
      expect(await cli.ping()).toBe("PONG");
    } finally {
      child.kill("SIGTERM");
    }
  });
});
