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
  #directory: Promise<Directory | undefined> | undefined;

  constructor(
    private readonly room: RoomContext,
    /** The members with a socket open in the room now. */
    private readonly usersHere: () => number[],
  ) {}

  /**
   * The members `content` mentions, in the order it names them. Every message waits for the
   * same directory, so messages keep the order they came in; only one with an `@` reads it.
   * Without the directory (D1 unreachable) a message names no one rather than failing.
   */
  async in(content: string, senderId: number): Promise<number[]> {
    const directory = await this.#read();
    if (!content.includes("@")) return [];
    const named = new Set<number>();
    for (const [, name] of content.matchAll(MENTION)) {
      if (name.toLowerCase() === HERE) for (const id of this.usersHere()) named.add(id);
      else {
        const id = directory && memberNamed(directory, name);
        if (id !== undefined) named.add(id);
      }
    }
    named.delete(senderId);
    return [...named];
  }

  /** Members or usernames changed: the next message reads them again. */
  forget() {
    this.#directory = undefined;
  }

  #read(): Promise<Directory | undefined> {
    if (this.#directory) return this.#directory;
    const reading = memberNamesOf(database(this.room.env), this.room.roomId).then(
      (members) => new Map(members.map((member) => [member.username.toLowerCase(), member.id])),
      (err) => {
        console.warn("the room could not read its members' usernames", err);
        if (this.#directory === reading) this.#directory = undefined;
        return undefined;
      },
    );
    this.#directory = reading;
    return reading;
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
