/**
 * Fan-out over WebSockets: the same load against Condor Chat's rooms and against the `ws`
 * relay, so each figure of ours has the baseline's beside it from the same minute.
 *
 * - throughput: every member sends a fixed number of messages, the next one as soon as the
 *   previous is acknowledged (our `ack`; the relay's echo to its sender); the figure is
 *   messages delivered per second summed over all receivers (the sender's own copy counts,
 *   as both deliver it);
 * - latency: a steady rate spread round-robin over the members; send-to-receive time on
 *   every other member's socket.
 * Every run also counts what went wrong: deliveries lost, duplicated, or out of order (a
 * sender's messages in another order than sent, ids not ascending, or two receivers
 * disagreeing on the order).
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { BEARER_PREFIX, SUBPROTOCOL } from "../../core/protocol.ts";
import { type Chat, ROOM_SIZES } from "./app.ts";
import { treeCpuMs } from "./cpu.ts";
import type { Relay } from "./relay.ts";
import { median, percentile } from "./statistics.ts";

/** What a frame means to the bench. */
/** What one frame brought: messages (several when the room sent them together), an ack, an error. */
type Reading = { delivered?: { content: string; id?: number }[]; ackedClientId?: string; error?: string };

export type FanOutTarget = {
  /** Opens the sockets of a room of `size` members, each ready to send and receive. */
  openRoom(size: number, label: string): Promise<WebSocket[]>;
  /** The frame that sends `content` under a client id. */
  sendText(clientId: string, content: string): string;
  read(text: string): Reading;
  /** True when the sender's own copy is its acknowledgement (the relay has no acks). */
  echoIsAck: boolean;
  /** The server's process, for the CPU it uses. */
  pid: number;
};

export type Load = { kind: "throughput"; perSender: number } | { kind: "latency"; perSecond: number; seconds: number };

export type FanOutRun = {
  messages: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  latencyMs?: { p50: number; p95: number; p99: number; max: number };
  /** The server's CPU time (all its processes) per message sent; less disturbed by a busy machine than timings. */
  serverCpuMsPerMessage: number;
  lost: number;
  duplicated: number;
  reordered: number;
  errors: number;
};

/** Longest a run may take before what has not arrived counts as lost. */
const RUN_TIMEOUT_MS = 60_000;
/** How long after the last expected delivery a late duplicate still counts. */
const SETTLE_MS = 100;
/** Tokens older than this are renewed before a room opens (they last 5 minutes). */
const TOKEN_FRESH_MS = 3 * 60_000;
let runs = 0;

/** Condor Chat's room sockets, authenticated as the members, live once caught up. */
export function chatTarget(chat: Chat): FanOutTarget {
  const { url: baseUrl, rooms: roomIds, pid } = chat;
  let tokens = chat.tokens;
  let signedInAt = performance.now();
  return {
    pid,
    echoIsAck: false,
    async openRoom(size) {
      // Access tokens last 5 minutes, which a slow machine's run outlasts.
      if (performance.now() - signedInAt > TOKEN_FRESH_MS) {
        const again: string[] = [];
        for (let i = 0; i < tokens.length; i += 5)
          again.push(...(await Promise.all(tokens.slice(i, i + 5).map((_, j) => chat.signIn(`bench${i + j}`)))));
        tokens = again;
        signedInAt = performance.now();
      }
      const roomId = roomIds.get(size)!;
      const url = `${baseUrl.replace("http", "ws")}/api/v1/rooms/${roomId}/socket/`;
      return Promise.all(
        tokens.slice(0, size).map((token) => openUntil(url, [SUBPROTOCOL, `${BEARER_PREFIX}${token}`], "caught_up")),
      );
    },
    sendText: (clientId, content) => JSON.stringify({ type: "send", client_id: clientId, content }),
    read(text) {
      type Carried = { id: number; content: string };
      const frame = JSON.parse(text) as {
        type: string;
        message?: Carried;
        messages?: Carried[];
        client_id?: string;
        code?: string;
      };
      if (frame.type === "message") return { delivered: [frame.message!] };
      if (frame.type === "messages") return { delivered: frame.messages! };
      if (frame.type === "ack") return { ackedClientId: frame.client_id };
      if (frame.type === "error") return { error: frame.code };
      return {};
    },
  };
}

/** The `ws` relay: a room is a path; a socket is ready once open. */
export function relayTarget(relay: Relay): FanOutTarget {
  const relayUrl = relay.url;
  return {
    pid: relay.pid,
    echoIsAck: true,
    openRoom: (size, label) =>
      Promise.all(Array.from({ length: size }, () => openUntil(`${relayUrl}/${label}`, [], undefined))),
    sendText: (clientId, content) => JSON.stringify({ type: "send", client_id: clientId, content }),
    read(text) {
      const frame = JSON.parse(text) as { content: string };
      return { delivered: [{ content: frame.content }] };
    },
  };
}

/** A socket, resolved on open or, with `readyType`, once a frame of that type arrives. */
function openUntil(url: string, protocols: string[], readyType: string | undefined): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.once("unexpected-response", (_request, response) => reject(new Error(`socket refused: ${response.statusCode}`)));
    if (!readyType) {
      ws.once("open", () => resolve(ws));
      return;
    }
    const ready = (data: WebSocket.RawData) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== readyType) return;
      ws.off("message", ready);
      resolve(ws);
    };
    ws.on("message", ready);
  });
}

/** Closes sockets and waits until they are closed. */
export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once("close", () => resolve());
          ws.close();
        }),
    ),
  );
}

/** Runs one load on a room's open sockets and tallies what arrived. */
export async function runLoad(target: FanOutTarget, sockets: WebSocket[], load: Load): Promise<FanOutRun> {
  const run = ++runs;
  const members = sockets.length;
  const total = load.kind === "throughput" ? load.perSender * members : Math.round(load.perSecond * load.seconds);
  const expected = total * members;
  const sentBy = new Array<number>(members).fill(0);
  const seen = sockets.map(() => [] as { sender: number; seq: number; id?: number }[]);
  const latencies: number[] = [];
  let deliveries = 0;
  let errors = 0;
  let lastDeliveryAt = 0;
  let allArrived!: () => void;
  const arrived = new Promise<void>((resolve) => (allArrived = resolve));

  const send = (member: number) => {
    const seq = sentBy[member]++;
    const content = `m ${run} ${member} ${seq} ${performance.now().toFixed(3)}`;
    sockets[member].send(target.sendText(`${run}-${member}-${seq}`, content));
  };
  const acked = (member: number) => {
    if (load.kind === "throughput" && sentBy[member] < load.perSender) send(member);
  };
  const listeners = sockets.map((ws, me) => {
    const listen = (data: WebSocket.RawData) => {
      const reading = target.read(data.toString());
      if (reading.error) errors++;
      if (reading.ackedClientId?.startsWith(`${run}-`)) acked(me);
      for (const delivered of reading.delivered ?? []) {
        const [tag, runText, senderText, seqText, sentAtText] = delivered.content.split(" ");
        if (tag !== "m" || Number(runText) !== run) continue;
        const at = performance.now();
        const sender = Number(senderText);
        if (sender !== me) latencies.push(at - Number(sentAtText));
        seen[me].push({ sender, seq: Number(seqText), id: delivered.id });
        lastDeliveryAt = at;
        if (++deliveries === expected) allArrived();
        if (sender === me && target.echoIsAck) acked(me);
      }
    };
    ws.on("message", listen);
    return listen;
  });

  const cpuBefore = treeCpuMs(target.pid) ?? Number.NaN;
  const started = performance.now();
  if (load.kind === "throughput") {
    for (let member = 0; member < members; member++) send(member);
  } else {
    const interval = 1000 / load.perSecond;
    let next = 0;
    const tick = () => {
      while (next < total && started + next * interval <= performance.now()) send(next++ % members);
      if (next < total) setTimeout(tick, Math.max(0, started + next * interval - performance.now()));
    };
    tick();
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([arrived, new Promise((resolve) => (timer = setTimeout(resolve, RUN_TIMEOUT_MS)))]);
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuMs = (treeCpuMs(target.pid) ?? Number.NaN) - cpuBefore;
  for (const [i, ws] of sockets.entries()) ws.off("message", listeners[i]);

  const seconds = (lastDeliveryAt - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    messages: total,
    deliveries,
    seconds,
    deliveriesPerSecond: deliveries / seconds,
    latencyMs:
      load.kind === "latency"
        ? {
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            p99: percentile(latencies, 99),
            max: latencies.at(-1) ?? Number.NaN,
          }
        : undefined,
    serverCpuMsPerMessage: cpuMs / total,
    ...tally(seen, total),
    errors,
  };
}

/** Lost, duplicated and out-of-order deliveries over all receivers. */
function tally(seen: { sender: number; seq: number; id?: number }[][], total: number) {
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  const orderOf = (list: (typeof seen)[number]) => list.map((m) => `${m.sender}:${m.seq}`).join(",");
  const reference = orderOf(seen[0]);
  for (const list of seen) {
    const unique = new Set(list.map((m) => `${m.sender}:${m.seq}`));
    lost += total - unique.size;
    duplicated += list.length - unique.size;
    const lastSeq = new Map<number, number>();
    let lastId = -Infinity;
    for (const m of list) {
      if ((lastSeq.get(m.sender) ?? -1) >= m.seq || (m.id !== undefined && m.id <= lastId)) reordered++;
      lastSeq.set(m.sender, m.seq);
      if (m.id !== undefined) lastId = m.id;
    }
    if (orderOf(list) !== reference) reordered++;
  }
  return { lost, duplicated, reordered };
}

/**
 * Messages per throughput run, spread over the members. Enough that the relay's run lasts
 * a good part of a second: with 600, its room of 10 was done in about 40 ms, and its figure
 * swung from 82,000 to 154,000 deliveries/s between repeats of one run.
 */
const THROUGHPUT_MESSAGES = 3000;
/** Messages each member sends in the uncounted warm-up, so both sides are past their JIT. */
export const WARM_UP_PER_SENDER = 100;
/** The steady load of the latency runs. */
const LATENCY_LOAD = { kind: "latency", perSecond: 50, seconds: 4 } as const;

type Side = { throughput: FanOutRun[]; latency: FanOutRun[] };
/** Who a load runs against: ours, the `ws` relay, and the bare Durable Objects (bare-room.ts). */
export type Baselines = { relay: Relay; bare: Relay; committing: Relay };
const SIDES = ["relay", "bare", "committing", "condor"] as const;
type SideName = (typeof SIDES)[number];
/** One side's medians over the repeats. */
export type SideSummary = {
  perSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Server CPU per message in the throughput runs (dense enough that idle work hardly counts). */
  cpuMsPerMessage: number;
};
export type FanOutRoom = {
  members: number;
  runs: Record<SideName, Side>;
  /** Medians over the repeats, by side; what went wrong, summed over every side's runs. */
  summary: Record<SideName, SideSummary> & {
    lost: number;
    duplicated: number;
    reordered: number;
    errors: number;
  };
};
export type FanOutReport = {
  throughputMessages: number;
  latencyPerSecond: number;
  latencySeconds: number;
  rooms: FanOutRoom[];
};

function summarise(side: Side): SideSummary {
  const med = (pick: (run: FanOutRun) => number, kind: keyof Side = "latency") => median(side[kind].map(pick));
  return {
    perSecond: med((r) => r.deliveriesPerSecond, "throughput"),
    latencyMs: {
      p50: med((r) => r.latencyMs!.p50),
      p95: med((r) => r.latencyMs!.p95),
      p99: med((r) => r.latencyMs!.p99),
      max: med((r) => r.latencyMs!.max),
    },
    cpuMsPerMessage: med((r) => r.serverCpuMsPerMessage, "throughput"),
  };
}

/**
 * Each room size, each repeat: the baselines then Condor Chat, throughput then latency, on
 * freshly opened sockets, so every side shares the same minute of the machine.
 */
export async function measureFanOut(chat: Chat, baselines: Baselines, repeats: number): Promise<FanOutReport> {
  const targets: Record<SideName, FanOutTarget> = {
    condor: chatTarget(chat),
    relay: relayTarget(baselines.relay),
    bare: relayTarget(baselines.bare),
    committing: relayTarget(baselines.committing),
  };
  // One run of each side first, not counted: the first messages pay for JIT and cold caches.
  for (const side of SIDES) {
    const sockets = await targets[side].openRoom(10, "warm-up");
    await runLoad(targets[side], sockets, { kind: "throughput", perSender: WARM_UP_PER_SENDER });
    await closeAll(sockets);
  }
  const rooms: FanOutRoom[] = [];
  for (const members of ROOM_SIZES) {
    const runs = Object.fromEntries(
      SIDES.map((side): [SideName, Side] => [side, { throughput: [], latency: [] }]),
    ) as Record<SideName, Side>;
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const side of SIDES) {
        const sockets = await targets[side].openRoom(members, `room-${members}-${repeat}`);
        try {
          const perSender = Math.ceil(THROUGHPUT_MESSAGES / members);
          runs[side].throughput.push(await runLoad(targets[side], sockets, { kind: "throughput", perSender }));
          runs[side].latency.push(await runLoad(targets[side], sockets, LATENCY_LOAD));
        } finally {
          await closeAll(sockets);
        }
      }
      const last = (side: SideName) => runs[side].throughput.at(-1)!.deliveriesPerSecond.toFixed(0);
      const p99 = (side: SideName) => runs[side].latency.at(-1)!.latencyMs!.p99.toFixed(1);
      console.log(
        `  room of ${members}, repeat ${repeat + 1}: ${last("condor")} vs bare object ${last("bare")} vs ws relay ${last("relay")} deliveries/s; ` +
          `p99 ${p99("condor")} vs ${p99("bare")} vs ${p99("relay")} ms`,
      );
    }
    const all = SIDES.flatMap((side) => [...runs[side].throughput, ...runs[side].latency]);
    const sum = (key: "lost" | "duplicated" | "reordered" | "errors") =>
      all.reduce((total, run) => total + run[key], 0);
    const bySide = Object.fromEntries(SIDES.map((side) => [side, summarise(runs[side])])) as Record<
      SideName,
      SideSummary
    >;
    rooms.push({
      members,
      runs,
      summary: {
        ...bySide,
        lost: sum("lost"),
        duplicated: sum("duplicated"),
        reordered: sum("reordered"),
        errors: sum("errors"),
      },
    });
  }
  return {
    throughputMessages: THROUGHPUT_MESSAGES,
    latencyPerSecond: LATENCY_LOAD.perSecond,
    latencySeconds: LATENCY_LOAD.seconds,
    rooms,
  };
}
