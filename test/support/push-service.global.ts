/**
 * A push service on loopback, in FCM's role, for the workerd suites: it takes pushes as a
 * real one does (POST to a subscription's endpoint) and keeps them, so a test can read what
 * arrived. The endpoint's first path segment says how it answers:
 * /ok/<id> 201, /gone/<id> 410, /fail/<id> 500, /slow/<id> never within the sender's timeout.
 * GET /received/<id> answers the pushes to <id> so far (recording-server.ts).
 */
import type { ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";
import { startRecordingServer } from "./recording-server";

export default async function setup(project: TestProject) {
  const slow = new Set<ServerResponse>();
  const server = await startRecordingServer({
    encoding: "base64",
    answer(kind, _id, _push, res) {
      if (kind === "slow") {
        slow.add(res);
        return;
      }
      res.writeHead({ ok: 201, gone: 410, fail: 500 }[kind] ?? 404).end();
    },
  });
  project.provide("pushService", server.url);
  return async () => {
    for (const res of slow) res.destroy();
    await server.close();
  };
}
