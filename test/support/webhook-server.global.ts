/**
 * Bots' webhooks on loopback, for the workerd suites: they take the calls as a bot's server
 * does and keep them, so a test can read what arrived. The URL's first path segment says
 * how one answers: /text/<id> with "echo: <the message's text>" as text, /json/<id> with
 * {"content": "json echo: <text>"}, /quiet/<id> 204, /fail/<id> 500, /slow/<id> never.
 * GET /received/<id> answers the calls to <id> so far (recording-server.ts); GET /open/<id>
 * says how many of its calls are still waiting for an answer.
 */
import type { ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";
import { startRecordingServer } from "./recording-server";

/** The text of the message a webhook call carries, or nothing. */
function textOf(body: string): string {
  try {
    return String(JSON.parse(body).message.content);
  } catch {
    return "";
  }
}

export default async function setup(project: TestProject) {
  const slow = new Map<string, Set<ServerResponse>>();
  const server = await startRecordingServer({
    encoding: "utf8",
    get(kind, id, res) {
      if (kind !== "open") return false;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ open: slow.get(id)?.size ?? 0 }));
      return true;
    },
    answer(kind, id, call, res) {
      if (kind === "slow") {
        const open = slow.get(id) ?? new Set();
        slow.set(id, open.add(res));
        // The caller gave up (its timeout): the call is no longer waiting.
        res.on("close", () => open.delete(res));
        return;
      }
      const text = textOf(call.body);
      if (kind === "text") return res.writeHead(200, { "content-type": "text/plain" }).end(`echo: ${text}`);
      if (kind === "json")
        return res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ content: `json echo: ${text}` }));
      res.writeHead({ quiet: 204, fail: 500 }[kind] ?? 404).end();
    },
  });
  project.provide("webhookServer", server.url);
  return async () => {
    for (const open of slow.values()) for (const res of open) res.destroy();
    await server.close();
  };
}
