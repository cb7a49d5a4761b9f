/**
 * More emoji than the quick ones, in a grid the arrow keys move through; loaded only when
 * someone asks for it, so the page's first load does not carry it.
 */
import { useRef } from "preact/hooks";
import styles from "./reactions.module.css";

/** Common faces, hands, hearts and things, by code point ranges that are all emoji. */
const EMOJI = [
  ...range(0x1f600, 0x1f637),
  ...range(0x1f641, 0x1f644),
  ...range(0x1f910, 0x1f917),
  ...range(0x1f44a, 0x1f450),
  ...range(0x1f493, 0x1f49f),
  ...range(0x1f525, 0x1f52b),
  ...range(0x1f680, 0x1f68f),
  ...range(0x1f389, 0x1f393),
];
const COLUMNS = 8;

function range(first: number, last: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, i) => String.fromCodePoint(first + i));
}

export function EmojiGrid({ onPick }: { onPick: (emoji: string) => void }) {
  const grid = useRef<HTMLFieldSetElement>(null);
  const move = (from: number, by: number) => {
    const to = Math.min(EMOJI.length - 1, Math.max(0, from + by));
    grid.current?.querySelectorAll<HTMLButtonElement>("button")[to]?.focus();
  };
  const steps: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -COLUMNS, ArrowDown: COLUMNS };
  return (
    <fieldset ref={grid} class={styles.grid}>
      <legend class="visually-hidden">More emoji</legend>
      {EMOJI.map((emoji, i) => (
        <button
          key={emoji}
          type="button"
          class={styles.emoji}
          aria-label={`React with ${emoji}`}
          onKeyDown={(event) => {
            const by = steps[event.key];
            if (by === undefined) return;
            event.preventDefault();
            move(i, by);
          }}
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </fieldset>
  );
}
