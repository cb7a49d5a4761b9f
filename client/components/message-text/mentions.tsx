/**
 * The mentions in a message's text: only an `@name` the server found a member for (the
 * message's `mentions`) is marked, and only the `@name` itself, the one that names me more
 * than the others. Matched as the room matches them (durable/room/mentions.ts): a whole
 * word, any case, the sentence's punctuation at its end left out ("@ana.").
 */
import { type ComponentChildren, createContext } from "preact";
import { useContext } from "preact/hooks";
import styles from "./message-text.module.css";

/** Who a message mentions, by username, and whether one of them is me. */
export type MentionNames = {
  /** The usernames of the members it mentions. */
  named: readonly string[];
  /** My username, when the message mentions me. */
  me?: string;
  /** Whether it mentions me at all (also by `@here`). */
  mentionsMe: boolean;
};

export const Mentions = createContext<MentionNames | undefined>(undefined);

const MENTION = /(?<![\w.@+-])@([\w.+-]+)/g;
const HERE = "here";

/** The part of a name after `@` that is a mention, trying it without its trailing punctuation. */
function mentioned(name: string, names: MentionNames): { length: number; mine: boolean } | undefined {
  for (let candidate = name.toLowerCase(); candidate.length > 0; candidate = candidate.slice(0, -1)) {
    if (candidate === HERE) return { length: HERE.length, mine: names.mentionsMe };
    if (names.named.some((named) => named.toLowerCase() === candidate))
      return { length: candidate.length, mine: candidate === names.me?.toLowerCase() };
    if (!/[.+-]$/.test(candidate)) return undefined;
  }
  return undefined;
}

/** A piece of plain text with its mentions marked. */
export function MentionedText({ text }: { text: string }) {
  const names = useContext(Mentions);
  if (!names || !text.includes("@") || (names.named.length === 0 && !names.mentionsMe)) return <>{text}</>;
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const found = mentioned(match[1], names);
    if (!found) continue;
    const end = match.index + 1 + found.length;
    parts.push(text.slice(at, match.index));
    parts.push(
      found.mine ? (
        <mark key={match.index} class={styles.mentionMe}>
          {text.slice(match.index, end)}
        </mark>
      ) : (
        <span key={match.index} class={styles.mention}>
          {text.slice(match.index, end)}
        </span>
      ),
    );
    at = end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

/** A message's mentions by username, from its ids and the room's people; undefined when it has none. */
export function mentionNamesOf(
  mentions: readonly number[] | undefined,
  me: number | undefined,
  username: (id: number) => string | undefined,
): MentionNames | undefined {
  if (!mentions?.length) return undefined;
  const named = mentions.map(username).filter((name): name is string => name !== undefined);
  const mentionsMe = me !== undefined && mentions.includes(me);
  return { named, mentionsMe, ...(mentionsMe && { me: username(me) }) };
}
