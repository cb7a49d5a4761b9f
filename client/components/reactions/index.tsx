/**
 * A message's reactions: a chip per emoji with its count (highlighted when mine, a click
 * toggles mine, its title names who reacted) and a picker of the quick ones, with a grid of
 * more loaded on demand.
 */
import { lazy, Suspense } from "preact/compat";
import { useRef, useState } from "preact/hooks";
import { QUICK_REACTIONS } from "../../../core/protocol-constants";
import type { User } from "../../lib/api";
import { isMine, type Reaction } from "../../lib/reactions";
import styles from "./reactions.module.css";

const EmojiGrid = lazy(() => import("./emoji-grid").then((module) => ({ default: module.EmojiGrid })));

type ReactionsProps = {
  reactions: Reaction[];
  me: number;
  people: Map<number, User>;
  /** Adds (or, with false, takes back) my reaction. */
  onReact: (emoji: string, add: boolean) => void;
};

export function Reactions({ reactions, me, people, onReact }: ReactionsProps) {
  const names = (reaction: Reaction) =>
    reaction.users.map((id) => (id === me ? "You" : (people.get(id)?.full_name ?? "Someone"))).join(", ");
  return (
    <div class={styles.reactions}>
      {reactions.map((reaction) => {
        const mine = isMine(reaction, me);
        return (
          <button
            key={reaction.emoji}
            type="button"
            class={`${styles.chip} ${mine ? styles.mine : ""}`}
            aria-pressed={mine}
            title={names(reaction)}
            aria-label={`${reaction.emoji} ${reaction.count}: ${names(reaction)}`}
            onClick={() => onReact(reaction.emoji, !mine)}
          >
            <span aria-hidden="true">{reaction.emoji}</span> {reaction.count}
          </button>
        );
      })}
      <ReactionPicker onPick={(emoji) => onReact(emoji, !reactions.some((r) => r.emoji === emoji && isMine(r, me)))} />
    </div>
  );
}

/** The "add a reaction" button and its menu; Escape closes it and gives focus back. */
function ReactionPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const [open, setOpen] = useState(false);
  const [more, setMore] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    setMore(false);
    opener.current?.focus();
  };
  const pick = (emoji: string) => {
    onPick(emoji);
    close();
  };
  return (
    <span class={styles.picker}>
      <button
        ref={opener}
        type="button"
        class={styles.add}
        aria-expanded={open}
        aria-label="Add a reaction"
        onClick={() => (open ? close() : setOpen(true))}
      >
        ☺+
      </button>
      {open && (
        <fieldset
          class={styles.menu}
          onKeyDown={(event) => {
            if (event.key === "Escape") close();
          }}
        >
          <legend class="visually-hidden">Reactions</legend>
          {QUICK_REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              class={styles.emoji}
              aria-label={`React with ${emoji}`}
              onClick={() => pick(emoji)}
            >
              {emoji}
            </button>
          ))}
          <button type="button" class={styles.emoji} aria-expanded={more} onClick={() => setMore(!more)}>
            More…
          </button>
          {more && (
            <Suspense fallback={<span>Loading…</span>}>
              <EmojiGrid onPick={pick} />
            </Suspense>
          )}
        </fieldset>
      )}
    </span>
  );
}
