/**
 * What one message costs the rest of the system, counted by the counting build
 * (scripts/bench/counting-worker.ts): D1 round trips and statements, Durable Object
 * requests, Upstash commands. Three ways a message arrives: over a room socket in a busy
 * room (inbox news then goes out in batches), in a quiet room (a message a batch), and
 * over REST.
 */

import type { Chat } from "./app.ts";
import { chatTarget, closeAll, type Load, runLoad } from "./fan-out.ts";

/** Counts per message, by what was counted (a D1 statement's SQL, a stub's method, ...). */
export type CostScenario = { name: string; messages: number; perMessage: Record<string, number> };
export type CostReport = { scenarios: CostScenario[] };

/** Long enough for the room's batched inbox news (100 ms) to have gone out. */
const SETTLE_MS = 600;
const ROOM = 10;
const REST_SENDS = 20;

/** Counts what `work` causes (its answer: how many messages it sent), and what follows within SETTLE_MS. */
async function counted(chat: Chat, work: () => Promise<number>, name: string): Promise<CostScenario> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await fetch(`${chat.url}/__bench/reset`, { method: "POST" });
  const messages = await work();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const counts = (await (await fetch(`${chat.url}/__bench/counts`)).json()) as Record<string, number>;
  const perMessage = Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([what, n]) => [what, Math.round((n / messages) * 1000) / 1000]),
  );
  return { name, messages, perMessage };
}

/** Sends over the room's sockets, opened before counting starts (a socket's opening is not a message's cost). */
async function overSockets(chat: Chat, load: Load, name: string): Promise<CostScenario> {
  const target = chatTarget(chat);
  const sockets = await target.openRoom(ROOM, "cost");
  try {
    return await counted(
      chat,
      async () => {
        const run = await runLoad(target, sockets, load);
        if (run.lost + run.duplicated + run.reordered + run.errors > 0)
          throw new Error(`the cost run went wrong: ${JSON.stringify(run)}`);
        return run.messages;
      },
      name,
    );
  } finally {
    await closeAll(sockets);
  }
}

/** Totals per message: all D1 statements, all DO requests, all Upstash commands. */
export function totals(perMessage: Record<string, number>) {
  const sum = (prefix: string) =>
    Object.entries(perMessage)
      .filter(([what]) => what.startsWith(prefix))
      .reduce((total, [, n]) => total + n, 0);
  return {
    d1RoundTrips: perMessage["d1 round trips"] ?? 0,
    d1MsWaited: perMessage["d1 ms waited"] ?? 0,
    d1Statements: sum("d1: "),
    doRequests: sum("do: "),
    upstashCommands: perMessage["upstash commands"] ?? 0,
  };
}

export async function measureCost(chat: Chat): Promise<CostReport> {
  const scenarios: CostScenario[] = [];
  scenarios.push(
    await overSockets(chat, { kind: "throughput", perSender: 10 }, `socket send, busy room of ${ROOM} (all connected)`),
  );
  scenarios.push(
    await overSockets(
      chat,
      { kind: "latency", perSecond: 4, seconds: 3 },
      `socket send, quiet room of ${ROOM} (4 messages/s)`,
    ),
  );
  scenarios.push(
    await counted(
      chat,
      async () => {
        for (let i = 0; i < REST_SENDS; i++) {
          const answer = await fetch(`${chat.url}/api/v1/send_message_to_room/`, {
            method: "POST",
            headers: { authorization: `Bearer ${chat.tokens[0]}`, "content-type": "application/json" },
            body: JSON.stringify({ group_id: chat.rooms.get(ROOM), message: `rest ${i}` }),
          });
          if (answer.status !== 201) throw new Error(`send_message_to_room answered ${answer.status}`);
        }
        return REST_SENDS;
      },
      `REST send_message_to_room, room of ${ROOM} (nobody connected)`,
    ),
  );
  for (const scenario of scenarios)
    console.log(`  cost: ${scenario.name}: ${JSON.stringify(totals(scenario.perMessage))}`);
  return { scenarios };
}
