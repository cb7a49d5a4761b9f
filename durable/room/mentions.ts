/**
 * Mentions: which members a message names, read once when it is committed or edited, never
 * per socket. `@username` (any case, a whole word) names a member; `@here` the members with
 * a socket open in the room now, the ones who can look at once (the room knows them without
 * asking anyone). The sender is never among them: naming yourself tells no one anything.
 *
 * Members' usernames are kept in memory, read from D1 the first time and again after the
 * worker says members came or went or one changed their username.
 */
import { database } from "../../core/db";
import { memberNamesOf } from "../../core/db/rooms";
import type { RoomContext } from "./context";

/** `@` then a username's characters, not inside a word or an email address. */
const MENTION = /(?<![\w.@+-])@([\w.+-]+)/g;
const HERE = "here";

type Directory = Map<string, number>;

export class Mentions {
  #directory: Directory | undefined;
  /** The read of the directory under way, which every message waits for to keep its order. */
  #reading: Promise<void> | undefined;
  /** Counts forgets, so that a read begun before one does not keep what it read. */
  #generation = 0;

  constructor(
    private readonly room: RoomContext,
    /** The members with a socket open in the room now. */
    private readonly usersHere: () => number[],
  ) {}

  /**
   * The members `content` mentions, in the order it names them. Only a message with an `@`
   * reads the directory (once), and while that read is under way the messages after it wait
   * too, so they keep the order they came in. Without the directory (D1 unreachable) a
   * message names no one by username rather than failing.
   */
  in(content: string, senderId: number): number[] | Promise<number[]> {
    if (this.#reading) return this.#reading.then(() => this.#named(content, senderId));
    if (!content.includes("@")) return [];
    if (this.#directory) return this.#named(content, senderId);
    return this.#read().then(() => this.#named(content, senderId));
  }

  /** Members or usernames changed: the next message that mentions anyone reads them again. */
  forget() {
    this.#directory = undefined;
    this.#generation += 1;
  }

  #named(content: string, senderId: number): number[] {
    if (!content.includes("@")) return [];
    const named = new Set<number>();
    for (const [, name] of content.matchAll(MENTION)) {
      if (name.toLowerCase() === HERE) for (const id of this.usersHere()) named.add(id);
      else {
        const id = this.#directory && memberNamed(this.#directory, name);
        if (id !== undefined) named.add(id);
      }
    }
    named.delete(senderId);
    return [...named];
  }

  #read(): Promise<void> {
    const generation = this.#generation;
    const reading = memberNamesOf(database(this.room.env), this.room.roomId).then(
      (members) => {
        if (generation === this.#generation)
          this.#directory = new Map(members.map((member) => [member.username.toLowerCase(), member.id]));
      },
      (err) => console.warn("the room could not read its members' usernames", err),
    );
    this.#reading = reading.finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }
}

/** The member a name after `@` is, trying it without the sentence's punctuation at its end too ("@ana."). */
function memberNamed(directory: Directory, name: string): number | undefined {
  for (let candidate = name.toLowerCase(); candidate.length > 0; candidate = candidate.slice(0, -1)) {
    const id = directory.get(candidate);
    if (id !== undefined) return id;
    if (!/[.+-]$/.test(candidate)) return undefined;
  }
  return undefined;
}
