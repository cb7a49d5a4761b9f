/**
 * Web Push for one user, run by their inbox off the message path: the room has told the
 * inbox of its messages, and of whether the user has a socket open on it, and moved on; the
 * inbox (only when the user has no such socket and none of their tabs is open) reads what
 * it needs of D1, decides by the user's level and do-not-disturb, and sends under
 * ctx.waitUntil, at most one push a room every PUSH_GAP_MS. Each send has PUSH_TIMEOUT_MS;
 * a 5xx, 429 or timeout is tried again by the inbox's alarm, at most PUSH_ATTEMPTS times in
 * all; a 404 or 410 drops the subscription.
 * Nothing here can fail or slow a message: its errors end in a log line.
 */
import { database } from "../core/db";
import { dropSubscriptions, pushFacts, subscriptionsOf, unhide } from "../core/db/push";
import {
  inDoNotDisturb,
  mentions,
  notifyLevel,
  type PushPayload,
  previewOf,
  type ReadPush,
  wantsToHear,
} from "../core/notify";
import type { WireMessage } from "../core/protocol";
import { fullName } from "../core/shapes";
import { encryptPayload, type PushTarget, type VapidKeys, vapidAuthorization } from "../core/web-push";

export const PUSH_TIMEOUT_MS = 5000;
/** Tries of one push in all, the first included. */
export const PUSH_ATTEMPTS = 3;
/** Waits before the second and third tries. */
const RETRY_AFTER_MS = [2000, 10_000];
/**
 * The least time between two pushes of one room to one user: a phone buzzing faster says
 * nothing more, and a busy room's pushes would cost its members' inboxes most of their time.
 */
export const PUSH_GAP_MS = 1000;
/**
 * Every inbox of a room hears of a batch at once: each waits a random part of this before
 * deciding, so their pushes (a D1 read, the encryption, the call) come one by one, not as
 * one burst beside the room's messages, nor as one burst at the push service.
 */
const PUSH_SPREAD_MS = 250;
/** How long a push service keeps a push for a browser that is offline. */
const PUSH_TTL_SECONDS = 24 * 60 * 60;

type RetryRow = { endpoint: string; p256dh: string; auth: string; payload: string; attempt: number; due_at: number };
type Outcome = "sent" | "gone" | "again" | "refused";

/** The server's VAPID keys, or undefined when none are configured: push is then off. */
export function vapidOf(env: Env): VapidKeys | undefined {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return undefined;
  return {
    publicKey: env.VAPID_PUBLIC_KEY,
    privateKey: env.VAPID_PRIVATE_KEY,
    subject: env.VAPID_SUBJECT || "mailto:push@condor-chat.invalid",
  };
}

/** One push to one browser, within PUSH_TIMEOUT_MS. */
export async function deliver(target: PushTarget, payload: string, vapid: VapidKeys, topic?: string): Promise<Outcome> {
  try {
    const answer = await fetch(target.endpoint, {
      method: "POST",
      headers: {
        authorization: await vapidAuthorization(target.endpoint, vapid, Math.floor(Date.now() / 1000)),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(PUSH_TTL_SECONDS),
        urgency: "high",
        // A newer push of the same room replaces one the browser has not fetched yet.
        ...(topic ? { topic } : {}),
      },
      body: await encryptPayload(target, payload),
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
    await answer.body?.cancel();
    if (answer.ok) return "sent";
    if (answer.status === 404 || answer.status === 410) return "gone";
    if (answer.status >= 500 || answer.status === 429) return "again";
    console.warn(`push service refused a push: ${answer.status}`);
    return "refused";
  } catch (err) {
    console.warn("push service did not answer", err);
    return "again";
  }
}

const targetOf = (row: { endpoint: string; p256dh: string; auth: string }): PushTarget => ({
  endpoint: row.endpoint,
  keys: { p256dh: row.p256dh, auth: row.auth },
});

export class InboxPush {
  /** Whether the user has any subscription, as last read; undefined until read, or after the user subscribed. */
  #subscribed: boolean | undefined;
  /** When a push of each room was last decided on, pushed or not, for PUSH_GAP_MS. */
  readonly #decidedAt = new Map<number, number>();
  /** Messages of a room that came within the gap, waiting to go as one push. */
  readonly #held = new Map<number, { messages: WireMessage[]; title: string }>();

  constructor(
    private readonly env: () => Env,
    private readonly userId: number,
    private readonly sql: SqlStorage,
    /** Asks for the inbox's alarm no later than `at`. */
    private readonly wakeAt: (at: number) => Promise<void>,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS push_retries (
      endpoint TEXT NOT NULL, p256dh TEXT NOT NULL, auth TEXT NOT NULL, payload TEXT NOT NULL,
      attempt INTEGER NOT NULL, due_at INTEGER NOT NULL)`);
    // Rooms pushed of since the user last read them: reading one closes its notifications everywhere.
    sql.exec("CREATE TABLE IF NOT EXISTS pushed_rooms (room_id INTEGER PRIMARY KEY)");
  }

  /**
   * New messages of a room: a mention brings a hidden room back, and, when `away` (no tab
   * of the user's is open and no socket of theirs on the room), the latest message the user
   * wants to hear of goes out as a push, within PUSH_SPREAD_MS. At most one decision a room
   * every PUSH_GAP_MS: what comes sooner waits for the gap's end and is decided on at once,
   * its latest message that the user wants to hear of going as one push.
   */
  async roomMessages(messages: WireMessage[], title: string, away: boolean): Promise<void> {
    const db = database(this.env());
    const roomId = messages[0].room;
    if (messages.some((message) => mentions(message, this.userId))) await unhide(db, roomId, this.userId);
    const candidates = messages.filter((message) => message.sender !== this.userId && !message.deleted);
    // Most members of a busy room subscribed no browser: once known, their news costs D1 nothing.
    if (!away || !vapidOf(this.env()) || candidates.length === 0 || this.#subscribed === false) return;
    const held = this.#held.get(roomId);
    if (held) {
      held.messages.push(...candidates);
      held.title = title;
      return;
    }
    const gapLeft = Math.max(0, (this.#decidedAt.get(roomId) ?? Number.NEGATIVE_INFINITY) + PUSH_GAP_MS - Date.now());
    const wait = gapLeft + Math.random() * PUSH_SPREAD_MS;
    this.#held.set(roomId, { messages: candidates, title });
    await new Promise((resolve) => setTimeout(resolve, wait));
    const gathered = this.#held.get(roomId);
    // Gone when the user read the room meanwhile.
    if (!gathered) return;
    this.#held.delete(roomId);
    await this.#pushLatest(roomId, gathered.messages, gathered.title);
  }

  /**
   * A push of the latest of these messages that the user's level asks for, unless
   * do-not-disturb is on. The gap starts now, pushed or not: a busy room then costs D1 at
   * most one read a gap, whatever the level.
   */
  async #pushLatest(roomId: number, candidates: WireMessage[], title: string) {
    this.#decidedAt.set(roomId, Date.now());
    const db = database(this.env());
    const facts = await pushFacts(db, roomId, this.userId, [...new Set(candidates.map((message) => message.sender))]);
    this.#subscribed = (facts?.subscriptions.length ?? 0) > 0;
    if (!facts || facts.subscriptions.length === 0 || inDoNotDisturb(facts.dndUntil, Date.now())) return;
    const level = notifyLevel(facts.notify, facts.isGroup);
    const message = candidates.findLast((candidate) => wantsToHear(level, candidate, this.userId));
    if (!message) return;
    const sender = facts.senders.find((user) => user.id === message.sender);
    const payload = JSON.stringify({
      room: roomId,
      title,
      sender_name: sender ? fullName(sender) : "Someone",
      preview: previewOf(message.content),
      message: message.id,
      // A message link (client/lib/message-links.ts): the app opens the room at the message.
      url: `/rooms/${roomId}/messages/${message.id}`,
    } satisfies PushPayload);
    this.sql.exec("INSERT OR IGNORE INTO pushed_rooms (room_id) VALUES (?)", roomId);
    await this.send(facts.subscriptions, payload, 1);
  }

  /**
   * The user has read all of a room (on some device): if they were pushed of it, each of
   * their browsers is told to close its notifications of the room. It shares the room's
   * topic, so it also replaces a push of the room that a browser offline has not fetched.
   */
  async roomRead(roomId: number) {
    this.#held.delete(roomId);
    const pushed = this.sql.exec("DELETE FROM pushed_rooms WHERE room_id = ? RETURNING room_id", roomId).toArray();
    if (pushed.length === 0 || !vapidOf(this.env())) return;
    const subscriptions = await subscriptionsOf(database(this.env()), this.userId);
    await this.send(subscriptions, JSON.stringify({ type: "read", room: roomId } satisfies ReadPush), 1);
  }

  /** The user subscribed a browser: the next message reads their subscriptions again. */
  subscribed() {
    this.#subscribed = undefined;
  }

  /** Sends a payload to these subscriptions now; the ones to try again wait for the alarm. */
  async send(subscriptions: { endpoint: string; p256dh: string; auth: string }[], payload: string, attempt: number) {
    const vapid = vapidOf(this.env());
    if (!vapid) return;
    const topic = `room-${(JSON.parse(payload) as PushPayload | ReadPush).room}`;
    const outcomes = await Promise.all(subscriptions.map((row) => deliver(targetOf(row), payload, vapid, topic)));
    const gone = subscriptions.filter((_, i) => outcomes[i] === "gone").map((row) => row.endpoint);
    await dropSubscriptions(database(this.env()), gone);
    const again = subscriptions.filter((_, i) => outcomes[i] === "again");
    if (again.length === 0 || attempt >= PUSH_ATTEMPTS) return;
    const dueAt = Date.now() + RETRY_AFTER_MS[attempt - 1];
    for (const row of again) {
      this.sql.exec(
        "INSERT INTO push_retries (endpoint, p256dh, auth, payload, attempt, due_at) VALUES (?, ?, ?, ?, ?, ?)",
        row.endpoint,
        row.p256dh,
        row.auth,
        payload,
        attempt + 1,
        dueAt,
      );
    }
    await this.wakeAt(dueAt);
  }

  /** The alarm's part: sends the pushes whose retry is due. */
  async retryDue() {
    const now = Date.now();
    const due = this.sql.exec<RetryRow>("SELECT * FROM push_retries WHERE due_at <= ?", now).toArray();
    if (due.length === 0) return;
    this.sql.exec("DELETE FROM push_retries WHERE due_at <= ?", now);
    await Promise.all(due.map((row) => this.send([row], row.payload, row.attempt)));
  }

  /** When the next retry is due, if any is waiting. */
  nextDue(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM push_retries").one().at ?? undefined;
  }
}
