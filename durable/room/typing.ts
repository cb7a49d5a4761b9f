/**
 * Who is typing, until when. Storage holds it so the alarm can lapse typing after an
 * eviction; memory keeps a copy in step, as only this object writes it (every send stops
 * its sender's typing, and so must cost no storage read).
 */
import { TYPING_LASTS_MS } from "../../core/protocol";

type Typists = Record<string, number>;

/** The typists whose typing has lapsed at `at`. Pure. */
export function lapsedTypists(typists: Typists, at: number): number[] {
  return Object.entries(typists)
    .filter(([, until]) => until <= at)
    .map(([userId]) => Number(userId));
}

export class Typing {
  #typists: Typists | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Tells the room that a user started or stopped. */
    private readonly broadcast: (userId: number, typing: boolean) => void,
    /** Asks for the alarm no later than `at`, to lapse typing then. */
    private readonly lapseAt: (at: number) => Promise<void>,
  ) {}

  async #now(): Promise<Typists> {
    if (this.#typists) return this.#typists;
    const stored = (await this.storage.get<Typists>("typing")) ?? {};
    // Another call may have read it during the await, and changed it since.
    this.#typists ??= stored;
    return this.#typists;
  }

  /** Starts or stops a user's typing; it lapses on its own after TYPING_LASTS_MS. */
  async set(userId: number, typing: boolean) {
    const typists = await this.#now();
    // Most senders were not typing, and cost no write.
    if (!typing && !(String(userId) in typists)) return;
    if (typing) typists[userId] = Date.now() + TYPING_LASTS_MS;
    else delete typists[userId];
    await this.storage.put("typing", typists);
    this.broadcast(userId, typing);
    if (typing) await this.lapseAt(Date.now() + TYPING_LASTS_MS);
  }

  /** Stops the typing that has lapsed at `at`. */
  async lapse(at: number) {
    // Storage is the truth here: the alarm is what lapses typing, also after an eviction.
    const typists = (await this.storage.get<Typists>("typing")) ?? {};
    this.#typists = { ...typists };
    for (const userId of lapsedTypists(typists, at)) await this.set(userId, false);
  }

  /** When the next typing lapses, if anyone types. */
  async nextLapse(): Promise<number | undefined> {
    const remaining = Object.values(await this.#now());
    return remaining.length > 0 ? Math.min(...remaining) : undefined;
  }

  /** The room was wiped. */
  forget() {
    this.#typists = undefined;
  }
}
