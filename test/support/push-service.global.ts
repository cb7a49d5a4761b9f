/**
 * A push service on loopback, in FCM's role, for the workerd suites: it takes pushes as a
 * real one does (POST to a subscription's endpoint) and keeps them, so a test can read what
 * arrived. The endpoint's first path segment says how it answers:
 * /ok/<id> 201, /gone/<id> 410, /fail/<id> 500, /slow/<id> never within the sender's timeout.
 * GET /received/<id> answers the pushes to <id> so far, waiting until there are at least
 * ?count= of them (at most ?wait= ms, 8 s by default), so a test awaits the push rather than sleeping.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

type Received = { headers: Record<string, string>; body: string };

export default async function setup(project: TestProject) {
  const received = new Map<string, Received[]>();
  const waiters = new Set<() => void>();
  const slow = new Set<ServerResponse>();

  const answerReceived = (id: string, count: number, wait: number, res: ServerResponse) => {
    const started = Date.now();
    const check = () => {
      const pushes = received.get(id) ?? [];
      if (res.headersSent) return true;
      if (pushes.length < count && Date.now() - started < wait) return false;
      waiters.delete(check);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(pushes));
      return true;
    };
    if (check()) return;
    waiters.add(check);
    setTimeout(check, wait);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://push.test");
    const [, kind, id] = url.pathname.split("/");
    if (req.method === "GET" && kind === "received")
      return answerReceived(
        id,
        Number(url.searchParams.get("count") ?? 1),
        Number(url.searchParams.get("wait") ?? 8000),
        res,
      );
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const push = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("base64"),
      };
      received.set(id, [...(received.get(id) ?? []), push]);
      for (const check of [...waiters]) check();
      if (kind === "slow") {
        slow.add(res);
        return;
      }
      res.writeHead({ ok: 201, gone: 410, fail: 500 }[kind] ?? 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("pushService", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    for (const res of slow) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}
