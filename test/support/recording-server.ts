/**
 * A loopback HTTP server playing an outside service for the workerd suites (a push service,
 * bots' webhooks). It keeps every call by the id in its path, `/<kind>/<id>`, so a test can
 * read what arrived: GET /received/<id> answers the calls to <id> so far once there are at
 * least ?count= of them (or after ?wait= ms, 8 s by default), so a test awaits a call rather
 * than sleeping. How a call is answered, by its kind, is the service's own.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedCall = { headers: Record<string, string>; body: string };

type Service = {
  /** How bodies are kept: base64 for encrypted pushes, utf8 for JSON. */
  encoding: BufferEncoding;
  /** Answers a call once it is kept. */
  answer: (kind: string, id: string, call: RecordedCall, res: ServerResponse) => void;
  /** A GET of the service's own besides /received/; true when it answered. */
  get?: (kind: string, id: string, res: ServerResponse) => boolean;
};

export async function startRecordingServer({ encoding, answer, get }: Service) {
  const received = new Map<string, RecordedCall[]>();
  const waiters = new Set<() => void>();

  const answerReceived = (id: string, count: number, wait: number, res: ServerResponse) => {
    const respond = () => {
      waiters.delete(check);
      clearTimeout(timer);
      if (!res.headersSent)
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(id) ?? []));
    };
    const check = () => {
      if ((received.get(id)?.length ?? 0) < count) return false;
      respond();
      return true;
    };
    // The timer answers whatever has come. Node counts a timer from its loop's cached clock,
    // so it can fire before Date.now() says `wait` has passed: a check of the clock then
    // answered nothing, and the test waited for ever (3 runs of push.test.ts in 5 hung).
    const timer = setTimeout(respond, wait);
    if (!check()) waiters.add(check);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://service.test");
    const [, kind, id] = url.pathname.split("/");
    if (req.method === "GET" && kind === "received")
      return answerReceived(
        id,
        Number(url.searchParams.get("count") ?? 1),
        Number(url.searchParams.get("wait") ?? 8000),
        res,
      );
    if (req.method === "GET" && get?.(kind, id, res)) return;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const call = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString(encoding),
      };
      received.set(id, [...(received.get(id) ?? []), call]);
      for (const check of [...waiters]) check();
      answer(kind, id, call, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
