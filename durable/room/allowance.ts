/**
 * How many messages a person may send to a room: a burst, then a steady rate (a token
 * bucket per user). Kept in memory and lost on eviction, which only ever makes it more
 * lenient. Pure: the caller says what time it is.
 */
import { SEND_BURST, SEND_PER_SECOND } from "../../core/protocol";

export type Allowance = { burst: number; perSecond: number };
export type Spent = { ok: true } | { ok: false; retryAfterSeconds: number };

export class SendAllowance {
  #buckets = new Map<number, { tokens: number; at: number }>();

  constructor(readonly allowance: Allowance) {}

  /** Spends one send of a user's allowance at `at` (ms); refused when it is used up. */
  spend(userId: number, at: number): Spent {
    const { burst, perSecond } = this.allowance;
    const bucket = this.#buckets.get(userId) ?? { tokens: burst, at };
    const tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * perSecond);
    if (tokens < 1) {
      this.#buckets.set(userId, { tokens, at });
      return { ok: false, retryAfterSeconds: Math.ceil((1 - tokens) / perSecond) };
    }
    this.#buckets.set(userId, { tokens: tokens - 1, at });
    return { ok: true };
  }
}

/**
 * Sends per person per room this deployment allows: the SEND_BURST and SEND_PER_SECOND
 * vars when set to positive numbers, the protocol's defaults otherwise.
 */
export function allowanceFrom(vars: { SEND_BURST?: string; SEND_PER_SECOND?: string }): Allowance {
  const positive = (text: string | undefined, fallback: number) => {
    const value = Number(text);
    return text && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return { burst: positive(vars.SEND_BURST, SEND_BURST), perSecond: positive(vars.SEND_PER_SECOND, SEND_PER_SECOND) };
}
