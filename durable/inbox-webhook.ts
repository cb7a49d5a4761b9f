/**
 * A bot's webhook, called by the bot's inbox off the message path: the room has told the
 * inbox of its messages and moved on. A message that mentions the bot, or any message in a
 * DM with it, from anyone but a bot, is POSTed to the webhook as JSON, signed (see
 * core/bot-webhooks.ts), within WEBHOOK_TIMEOUT_MS; a timeout, a 429 or a 5xx is tried
 * again by the inbox's alarm, WEBHOOK_ATTEMPTS times in all. A 2xx answer with text (or
 * JSON `{"content": ...}`) is posted back into the room as the bot, once per message
 * however many tries answer. Nothing here can fail or slow a message: its errors end in a
 * log line. Messages of bots call no webhook, so two bots never talk to each other forever.
 */
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, webhookSecret } from "../core/bot-webhooks";
import { database } from "../core/db";
import { hasWebhook, webhookFacts } from "../core/db/bots";
import { roomAddress } from "../core/db/rooms";
import { messageText, type WireMessage } from "../core/protocol";
import { fullName } from "../core/shapes";
import { roomObject } from "./room/context";
import { mayFetch, readCapped } from "./room/page-preview";

export const WEBHOOK_TIMEOUT_MS = 7000;
/** Tries of one call in all, the first included. */
export const WEBHOOK_ATTEMPTS = 3;
/** Waits before the second and third tries. */
export const WEBHOOK_RETRY_AFTER_MS = [1000, 5000];
/** The most of a webhook's answer that is read: a message is far shorter. */
const MAX_ANSWER_BYTES = 64 * 1024;

type Outcome = { kind: "sent"; reply: string | undefined } | { kind: "again" } | { kind: "refused" };
type RetryRow = { message: string; attempt: number };

/** Why the bot hears of a message: it was named, or it is one of the two in a DM. */
export type WebhookReason = "mention" | "dm";

export class BotWebhook {
  /** Whether this inbox's user is a bot with a webhook: fixed when a bot is made, so read once. */
  #hooked: boolean | undefined;

  constructor(
    private readonly env: () => Env,
    private readonly userId: number,
    private readonly sql: SqlStorage,
    /** Asks for the inbox's alarm no later than `at`. */
    private readonly wakeAt: (at: number) => Promise<void>,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS webhook_retries (
      message TEXT NOT NULL, attempt INTEGER NOT NULL, due_at INTEGER NOT NULL)`);
  }

  /** New messages of a room the user is in: the ones that call for the bot go to its webhook, in order. */
  async roomMessages(messages: WireMessage[], isGroup: boolean): Promise<void> {
    const called = messages.filter(
      (message) =>
        message.sender !== this.userId && !message.deleted && (!isGroup || message.mentions?.includes(this.userId)),
    );
    if (called.length === 0) return;
    this.#hooked ??= await hasWebhook(database(this.env()), this.userId);
    if (!this.#hooked) return;
    for (const message of called) await this.#call(message, 1);
  }

  /** The alarm's part: the calls whose retry is due. */
  async retryDue() {
    const now = Date.now();
    const due = this.sql
      .exec<RetryRow>("SELECT message, attempt FROM webhook_retries WHERE due_at <= ? ORDER BY rowid", now)
      .toArray();
    if (due.length === 0) return;
    this.sql.exec("DELETE FROM webhook_retries WHERE due_at <= ?", now);
    for (const row of due) await this.#call(JSON.parse(row.message) as WireMessage, row.attempt);
  }

  /** When the next retry is due, if any is waiting. */
  nextDue(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM webhook_retries").one().at ?? undefined;
  }

  /** One try at one message; a reply goes into the room, a try to repeat waits for the alarm. */
  async #call(message: WireMessage, attempt: number) {
    const env = this.env();
    const facts = await webhookFacts(database(env), this.userId, message.room, message.sender);
    // Deactivated, out of the room, or the message is a bot's: nothing to call.
    if (!facts || facts.sender.isBot) return;
    const { client_id: _, ...shown } = message;
    const body = JSON.stringify({
      reason: (facts.room.isGroup ? "mention" : "dm") satisfies WebhookReason,
      bot: { id: this.userId, username: facts.hook.username },
      room: { id: message.room, title: facts.room.title, is_dm: !facts.room.isGroup },
      sender: { id: facts.sender.id, username: facts.sender.username, full_name: fullName(facts.sender) },
      message: shown,
    });
    const secret = webhookSecret(env.JWT_SECRET, this.userId, facts.hook.keyHash);
    const outcome = await deliver(facts.hook.webhookUrl, body, {
      signature: signWebhook(secret, body),
      delivery: `${message.room}-${message.id}`,
      allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === "true",
    });
    if (outcome.kind === "sent" && outcome.reply !== undefined) await this.#reply(message, outcome.reply);
    if (outcome.kind !== "again" || attempt >= WEBHOOK_ATTEMPTS) return;
    const dueAt = Date.now() + WEBHOOK_RETRY_AFTER_MS[attempt - 1];
    this.sql.exec(
      "INSERT INTO webhook_retries (message, attempt, due_at) VALUES (?, ?, ?)",
      JSON.stringify(message),
      attempt + 1,
      dueAt,
    );
    await this.wakeAt(dueAt);
  }

  /** Posts the webhook's answer as the bot, in the message's thread if it was in one; a retry's answer is stored once. */
  async #reply(message: WireMessage, content: string) {
    // The room may be pinned to a jurisdiction, which only its D1 row knows.
    const room = await roomAddress(database(this.env()), message.room);
    const result = await roomObject(this.env(), room).receive({
      senderId: this.userId,
      content,
      clientId: `webhook-reply-${message.id}`,
      thread: message.thread_root,
    });
    if (!result.ok) console.warn(`a webhook's answer was not posted: ${JSON.stringify(result)}`);
  }
}

/** One POST to a webhook, within WEBHOOK_TIMEOUT_MS for the whole exchange, its answer's text included. */
async function deliver(
  url: string,
  body: string,
  options: { signature: string; delivery: string; allowLoopback: boolean },
): Promise<Outcome> {
  const signal = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
  try {
    if (!(await mayFetch(new URL(url), signal, options.allowLoopback))) {
      console.warn("a bot's webhook is not on a public address; not called");
      return { kind: "refused" };
    }
    const answer = await fetch(url, {
      method: "POST",
      // A redirect could lead anywhere, past the address check: it is not followed.
      redirect: "manual",
      signal,
      headers: {
        "content-type": "application/json",
        "user-agent": "CondorChat-Webhook/1",
        [SIGNATURE_HEADER]: options.signature,
        [DELIVERY_HEADER]: options.delivery,
      },
      body,
    });
    if (answer.ok) return { kind: "sent", reply: await replyOf(answer) };
    await answer.body?.cancel();
    if (answer.status >= 500 || answer.status === 429) return { kind: "again" };
    console.warn(`a bot's webhook refused a call: ${answer.status}`);
    return { kind: "refused" };
  } catch (err) {
    console.warn("a bot's webhook did not answer", err);
    return { kind: "again" };
  }
}

/** The text a webhook answered with, if any: `{"content": ...}` as JSON, or a text body as it is. */
async function replyOf(answer: Response): Promise<string | undefined> {
  if (!answer.body) return undefined;
  const text = new TextDecoder().decode(await readCapped(answer.body, MAX_ANSWER_BYTES));
  let reply: unknown = text;
  if (/^application\/json\b/i.test(answer.headers.get("content-type") ?? "")) {
    try {
      reply = (JSON.parse(text) as { content?: unknown } | null)?.content;
    } catch {
      reply = undefined;
    }
  }
  if (typeof reply !== "string") return undefined;
  const checked = messageText.safeParse(reply.trim());
  if (checked.success) return checked.data;
  // An empty answer is the webhook saying nothing; a too long one is worth a line.
  if (reply.trim()) console.warn(`a bot's webhook answer was not posted: ${checked.error.issues[0]?.message}`);
  return undefined;
}
