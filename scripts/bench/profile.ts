/**
 * Where a message's CPU goes: a V8 CPU profile of the isolate that runs the worker and its
 * objects, taken through wrangler's devtools port while a room of 10 sends flat out (the
 * fan-out's throughput load). The profile is written beside the bench's JSON, for Chrome's
 * DevTools (Performance tab, "Load profile"), and its heaviest functions are reported.
 *
 * Only our isolate is seen: the local D1 object, wrangler's proxy and the runtime's own
 * socket work are not in it, and show as "(idle)" from the isolate's side.
 */
import WebSocket from "ws";
import type { Chat } from "./app.ts";
import { chatTarget, closeAll, runLoad, WARM_UP_PER_SENDER } from "./fan-out.ts";

/** Share of the samples, in percent, by function (name and place in the bundle). */
export type ProfileReport = {
  messages: number;
  deliveriesPerSecond: number;
  self: { fn: string; percent: number }[];
  inclusive: { fn: string; percent: number }[];
  /** The raw profile, for DevTools. */
  profile: CpuProfile;
};

type CallFrame = { functionName: string; url: string; lineNumber: number };
type CpuProfile = { nodes: { id: number; callFrame: CallFrame; children?: number[] }[]; samples: number[] };

const MEMBERS = 10;
const PER_SENDER = 300;
const RUNS = 3;
/** Microseconds between samples. */
const SAMPLING_INTERVAL_US = 100;
const TOP = 15;

/** Sends devtools commands over one socket and matches their answers by id. */
async function devtools(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const answer = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (answer.id === undefined) return;
    waiting.get(answer.id)?.(answer.result);
    waiting.delete(answer.id);
  });
  return {
    call: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        waiting.set(id, resolve as (result: unknown) => void);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Each function's share of the samples: where they were taken (self), and anywhere below it on the stack (inclusive). */
function summarise(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const name = ({ functionName, url, lineNumber }: CallFrame) =>
    `${functionName || "(anonymous)"}${url ? ` ${url}:${lineNumber + 1}` : ""}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of profile.samples) {
    const where = name(byId.get(id)!.callFrame);
    self.set(where, (self.get(where) ?? 0) + 1);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at))
      onStack.add(name(byId.get(at)!.callFrame));
    for (const fn of onStack) inclusive.set(fn, (inclusive.get(fn) ?? 0) + 1);
  }
  const top = (counts: Map<string, number>) =>
    [...counts]
      .filter(([fn]) => fn !== "(root)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([fn, samples]) => ({ fn, percent: (100 * samples) / profile.samples.length }));
  return { self: top(self), inclusive: top(inclusive) };
}

/** Profiles the worker's isolate during RUNS throughput runs in a room of 10. */
export async function profileFanOut(chat: Chat): Promise<ProfileReport> {
  const target = chatTarget(chat);
  const sockets = await target.openRoom(MEMBERS, "profile");
  const inspector = await devtools(chat.inspectorPort);
  try {
    // Warm, as in the fan-out: the first messages pay for JIT and cold caches.
    await runLoad(target, sockets, { kind: "throughput", perSender: WARM_UP_PER_SENDER });
    await inspector.call("Profiler.enable");
    await inspector.call("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await inspector.call("Profiler.start");
    const runs = [];
    for (let i = 0; i < RUNS; i++)
      runs.push(await runLoad(target, sockets, { kind: "throughput", perSender: PER_SENDER }));
    const { profile } = await inspector.call<{ profile: CpuProfile }>("Profiler.stop");
    const deliveries = runs.reduce((sum, run) => sum + run.deliveries, 0);
    const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
    return {
      messages: RUNS * PER_SENDER * MEMBERS,
      deliveriesPerSecond: deliveries / seconds,
      ...summarise(profile),
      profile,
    };
  } finally {
    inspector.close();
    await closeAll(sockets);
  }
}
