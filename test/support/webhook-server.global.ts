/**
 * Bots' webhooks on loopback, for the workerd suites: they take the calls as a bot's server
 * does and keep them, so a test can read what arrived. The URL's first path segment says
 * how one answers: /text/<id> with "echo: <the message's text>" as text, /json/<id> with
 * {"content": "json echo: <text>"}, /quiet/<id> 204, /fail/<id> 500, /slow/<id> never.
 * GET /received/<id> answers the calls to <id> so far, waiting until there are at least
 * ?count= of them (at most ?wait= ms, 8 s by default), so a test awaits a call rather than
 * sleeping; GET /open/<id> says how many of its calls are still waiting for an answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

type Received = { headers: Record<string, string>; body: string };

export default async function setup(project: TestProject) {
  const received = new Map<string, Received[]>();
  const waiters = new Set<() => void>();
  const slow = new Map<string, Set<ServerResponse>>();

  const answerReceived = (id: string, count: number, wait: number, res: ServerResponse) => {
    const started = Date.now();
    const check = () => {
      const calls = received.get(id) ?? [];
      if (res.headersSent) return true;
      if (calls.length < count && Date.now() - started < wait) return false;
      waiters.delete(check);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(calls));
      return true;
    };
    if (check()) return;
    waiters.add(check);
    setTimeout(check, wait);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://webhook.test");
    const [, kind, id] = url.pathname.split("/");
    if (req.method === "GET" && kind === "received")
      return answerReceived(
        id,
        Number(url.searchParams.get("count") ?? 1),
        Number(url.searchParams.get("wait") ?? 8000),
        res,
      );
    if (req.method === "GET" && kind === "open")
      return res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ open: slow.get(id)?.size ?? 0 }));
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const call = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.set(id, [...(received.get(id) ?? []), call]);
      for (const check of [...waiters]) check();
      const text = (() => {
        try {
          return String(JSON.parse(call.body).message.content);
        } catch {
          return "";
        }
      })();
      if (kind === "slow") {
        const open = slow.get(id) ?? new Set();
        slow.set(id, open.add(res));
        // The caller gave up (its timeout): the call is no longer waiting.
        res.on("close", () => open.delete(res));
        return;
      }
      if (kind === "text") return res.writeHead(200, { "content-type": "text/plain" }).end(`echo: ${text}`);
      if (kind === "json")
        return res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ content: `json echo: ${text}` }));
      res.writeHead({ quiet: 204, fail: 500 }[kind] ?? 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("webhookServer", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    for (const open of slow.values()) for (const res of open) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}
