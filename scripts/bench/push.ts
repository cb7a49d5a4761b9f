/**
 * Fan-out with Web Push beside it: the fan-out loads (fan-out.ts) in two rooms of 20, the
 * same 10 members sending and receiving over their sockets in both, and 10 more members who
 * have no socket open, so their inboxes decide on a push for each batch of messages. In
 * one room those 10 each subscribed a browser whose push service is a loopback server the
 * bench runs here (level "everything"); in the other, 10 others subscribed nothing. Push is
 * off the message path, so the two rooms' figures should be within noise of each other.
 *
 * The push service decrypts each push (RFC 8291, with the subscription's private key, as
 * the browser would) for its message id, and the delay is from the message's commit (its
 * timestamp, from the same machine's clock) to the push's arrival. An inbox sends one push
 * per batch of news it is told (the latest message it wants to hear of), so under load
 * pushes per message fall below 10.
 */
import type { webcrypto } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type WebSocket from "ws";
import { concat, contentKeys, ecdhWith, fromBase64Url, type PushTarget, toBase64Url } from "../../core/web-push.ts";
import type { Chat, Stoppable } from "./app.ts";
import { chatTarget, closeAll, type FanOutRun, type Load, runLoad, WARM_UP_PER_SENDER } from "./fan-out.ts";
import { median, percentile } from "./statistics.ts";

/** Members with a socket open in each room (bench0..bench9), and members pushed to (or not). */
const CONNECTED = 10;
const SUBSCRIBED = 10;
/** How long with no new push before the pushes of a run are taken as all arrived. */
const QUIET_MS = 1500;
/** Longest wait for a run's pushes. */
const PUSH_WAIT_MS = 20_000;

type Subscription = PushTarget & { id: string; privateKey: webcrypto.CryptoKey };
type Arrival = { id: string; at: number; body: Buffer };

export type PushRun = FanOutRun & {
  pushes: number;
  pushesPerMessage: number;
  /** From a message's commit to its push's arrival at the push service. */
  delayMs?: { p50: number; p99: number; max: number };
};
export type PushSide = { throughput: PushRun[]; latency: PushRun[] };
export type PushReport = {
  connected: number;
  subscribed: number;
  throughputMessages: number;
  latencyPerSecond: number;
  latencySeconds: number;
  runs: { withPush: PushSide; without: PushSide };
  summary: Record<
    "withPush" | "without",
    {
      perSecond: number;
      p99Ms: number;
      /** At the steady rate, and flat out (where more messages share a batch). */
      pushesPerMessage: number;
      pushesPerMessageFlatOut: number;
      pushDelayP99Ms: number;
    }
  >;
};

/** The loopback push service: takes every POST with 201 and keeps it, by the endpoint's id. */
async function startPushService(): Promise<Stoppable & { url: string; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      arrivals.push({ id: (req.url ?? "").split("/").at(-1)!, at: Date.now(), body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, arrivals, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function makeSubscription(serviceUrl: string): Promise<Subscription> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as webcrypto.CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const id = crypto.randomUUID();
  return {
    id,
    endpoint: `${serviceUrl}/ok/${id}`,
    keys: { p256dh: toBase64Url(publicKey), auth: toBase64Url(crypto.getRandomValues(new Uint8Array(16))) },
    privateKey: pair.privateKey,
  };
}

/** The message id a push carries, decrypted as the browser would (one aes128gcm record). */
async function pushedMessage(subscription: Subscription, body: Buffer): Promise<number> {
  const bytes = new Uint8Array(body);
  const salt = bytes.slice(0, 16);
  const idLength = bytes[20];
  const asPublic = bytes.slice(21, 21 + idLength);
  const sender = await crypto.subtle.importKey("raw", asPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const secret = new Uint8Array(await crypto.subtle.deriveBits(ecdhWith(sender), subscription.privateKey, 256));
  const { cek, nonce } = contentKeys(
    secret,
    fromBase64Url(subscription.keys.auth),
    fromBase64Url(subscription.keys.p256dh),
    asPublic,
    salt,
  );
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const record = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, bytes.slice(21 + idLength)),
  );
  const text = new TextDecoder().decode(concat(record.slice(0, record.lastIndexOf(2))));
  return (JSON.parse(text) as { message: number }).message;
}

async function call(chat: Chat, method: string, route: string, token: string, body: unknown) {
  const answer = await fetch(`${chat.url}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${method} ${route}: ${answer.status} ${await answer.text()}`);
  return answer.status === 204 ? undefined : answer.json();
}

/** Resolves once no push has arrived for QUIET_MS (or after PUSH_WAIT_MS). */
async function pushesSettled(arrivals: Arrival[]) {
  const started = Date.now();
  let count = -1;
  while (arrivals.length !== count && Date.now() - started < PUSH_WAIT_MS) {
    count = arrivals.length;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  }
}

export async function measurePush(chat: Chat, repeats: number, throughputMessages: number): Promise<PushReport> {
  const service = await startPushService();
  try {
    const userIds = Array.from({ length: CONNECTED + 2 * SUBSCRIBED }, (_, i) => i + 1);
    // Signed in afresh: the tokens the bench started with may have lapsed in the parts before.
    const tokens: string[] = [];
    for (let i = 0; i < userIds.length; i += 5)
      tokens.push(...(await Promise.all([0, 1, 2, 3, 4].map((j) => chat.signIn(`bench${i + j}`)))));
    const pushedIds = userIds.slice(CONNECTED, CONNECTED + SUBSCRIBED);
    const quietIds = userIds.slice(CONNECTED + SUBSCRIBED);
    const makeRoom = async (title: string, idle: number[]) =>
      (
        (await call(chat, "POST", "/rooms/", tokens[0], {
          title,
          participants: [...userIds.slice(1, CONNECTED), ...idle],
        })) as { id: number }
      ).id;
    const withPushRoom = await makeRoom("pushed room", pushedIds);
    const withoutRoom = await makeRoom("quiet room", quietIds);
    const subscriptions = new Map<string, Subscription>();
    for (const userId of pushedIds) {
      const token = tokens[userId - 1];
      const subscription = await makeSubscription(service.url);
      subscriptions.set(subscription.id, subscription);
      await call(chat, "POST", "/push/subscriptions/", token, {
        endpoint: subscription.endpoint,
        keys: subscription.keys,
      });
      await call(chat, "PATCH", `/rooms/${withPushRoom}/membership/`, token, { notify: "everything" });
    }
    for (const userId of quietIds)
      await call(chat, "PATCH", `/rooms/${withoutRoom}/membership/`, tokens[userId - 1], { notify: "everything" });

    const target = (roomId: number) => chatTarget({ ...chat, tokens, rooms: new Map([[CONNECTED, roomId]]) });
    const latencyLoad = { kind: "latency", perSecond: 50, seconds: 4 } as const;
    const loads: [keyof PushSide, Load][] = [
      ["throughput", { kind: "throughput", perSender: Math.ceil(throughputMessages / CONNECTED) }],
      ["latency", latencyLoad],
    ];

    /** One load in one room; with pushes, what the push service took for its messages. */
    const measure = async (roomId: number, load: Load): Promise<PushRun> => {
      const sockets = await target(roomId).openRoom(CONNECTED, "push");
      const committedAt = new Map<number, number>();
      const note = (data: WebSocket.RawData) => {
        const frame = JSON.parse(data.toString()) as { type: string; message?: Carried; messages?: Carried[] };
        for (const m of frame.type === "message" ? [frame.message!] : (frame.messages ?? []))
          committedAt.set(m.id, Date.parse(m.timestamp));
      };
      type Carried = { id: number; timestamp: string };
      sockets[0].on("message", note);
      const from = service.arrivals.length;
      try {
        const run = await runLoad(target(roomId), sockets, load);
        if (roomId === withPushRoom) await pushesSettled(service.arrivals);
        const arrived = service.arrivals.slice(from);
        const delays: number[] = [];
        for (const push of arrived) {
          const subscription = subscriptions.get(push.id);
          if (!subscription) continue;
          const committed = committedAt.get(await pushedMessage(subscription, push.body));
          if (committed !== undefined) delays.push(push.at - committed);
        }
        delays.sort((a, b) => a - b);
        return {
          ...run,
          pushes: arrived.length,
          pushesPerMessage: arrived.length / run.messages,
          delayMs:
            delays.length > 0
              ? { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1)! }
              : undefined,
        };
      } finally {
        sockets[0].off("message", note);
        await closeAll(sockets);
      }
    };

    // Not counted: both rooms' first messages pay for cold objects.
    for (const roomId of [withPushRoom, withoutRoom])
      await measure(roomId, { kind: "throughput", perSender: WARM_UP_PER_SENDER / 10 });
    const runs = { withPush: { throughput: [], latency: [] }, without: { throughput: [], latency: [] } } as {
      withPush: PushSide;
      without: PushSide;
    };
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const [kind, load] of loads) {
        runs.withPush[kind].push(await measure(withPushRoom, load));
        runs.without[kind].push(await measure(withoutRoom, load));
      }
      const t = (side: PushSide) => side.throughput.at(-1)!;
      const l = (side: PushSide) => side.latency.at(-1)!;
      console.log(
        `  push, repeat ${repeat + 1}: ${t(runs.withPush).deliveriesPerSecond.toFixed(0)} vs ${t(runs.without).deliveriesPerSecond.toFixed(0)} deliveries/s ` +
          `with and without 10 subscriptions; p99 ${l(runs.withPush).latencyMs!.p99.toFixed(1)} vs ${l(runs.without).latencyMs!.p99.toFixed(1)} ms; ` +
          `${l(runs.withPush).pushesPerMessage.toFixed(2)} pushes a message at ${latencyLoad.perSecond}/s, ` +
          `p99 ${l(runs.withPush).delayMs?.p99.toFixed(0) ?? "-"} ms from commit to the push service`,
      );
    }
    const summaryOf = (side: PushSide) => ({
      perSecond: median(side.throughput.map((r) => r.deliveriesPerSecond)),
      p99Ms: median(side.latency.map((r) => r.latencyMs!.p99)),
      pushesPerMessage: median(side.latency.map((r) => r.pushesPerMessage)),
      pushesPerMessageFlatOut: median(side.throughput.map((r) => r.pushesPerMessage)),
      pushDelayP99Ms: median(side.latency.map((r) => r.delayMs?.p99 ?? Number.NaN)),
    });
    return {
      connected: CONNECTED,
      subscribed: SUBSCRIBED,
      throughputMessages,
      latencyPerSecond: latencyLoad.perSecond,
      latencySeconds: latencyLoad.seconds,
      runs,
      summary: { withPush: summaryOf(runs.withPush), without: summaryOf(runs.without) },
    };
  } finally {
    await service.stop();
  }
}
