/**
 * The composer's `@` autocomplete: as I type `@` and the start of a name or username, the
 * room's members that match show in a listbox; ↑/↓ move, Enter or Tab put `@username ` in
 * the text, Esc closes it. The text box stays focused throughout (the combobox pattern).
 */
import { useId, useState } from "preact/hooks";
import type { User } from "../../lib/api";
import styles from "./mention-picker.module.css";

/** Most members the list shows at once. */
const SHOWN = 6;

type Member = Pick<User, "id" | "username" | "full_name">;
/** The `@` being typed: where it starts in the text and what follows it up to the caret. */
type Typing = { start: number; query: string };

/** The mention being typed just before the caret, if any (an `@` that starts a word). */
export function mentionAt(text: string, caret: number): Typing | undefined {
  const match = /(?:^|[^\w.@+-])@([\w.+-]*)$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[1].length - 1, query: match[1] } : undefined;
}

/** The members whose username or name starts (or has a word starting) with the query. */
export function membersMatching(members: Member[], query: string): Member[] {
  const q = query.toLowerCase();
  const starts = (text: string) =>
    text
      .toLowerCase()
      .split(/\s+/)
      .some((word) => word.startsWith(q));
  return members.filter((m) => m.username.toLowerCase().startsWith(q) || starts(m.full_name)).slice(0, SHOWN);
}

/** What the composer wires to its text box, and the listbox it shows above it. */
export function useMentionPicker(members: Member[], text: string, setText: (text: string, caret: number) => void) {
  const id = useId();
  const [typing, setTyping] = useState<Typing | undefined>();
  const [active, setActive] = useState(0);
  const found = typing ? membersMatching(members, typing.query) : [];
  const open = found.length > 0;
  const optionId = (i: number) => `${id}-option-${i}`;

  const choose = (member: Member) => {
    if (!typing) return;
    const end = typing.start + 1 + typing.query.length;
    const inserted = `@${member.username} `;
    setText(text.slice(0, typing.start) + inserted + text.slice(end), typing.start + inserted.length);
    setTyping(undefined);
  };

  return {
    /** Reads the mention being typed after every input or caret move. */
    follow(box: HTMLTextAreaElement) {
      const next = mentionAt(box.value, box.selectionStart ?? box.value.length);
      if (next?.start !== typing?.start || next?.query !== typing?.query) setActive(0);
      setTyping(next);
    },
    /** Takes the list's keys while it is open; true when it used the key. */
    keyDown(event: KeyboardEvent): boolean {
      if (!open) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const by = event.key === "ArrowDown" ? 1 : -1;
        setActive((active + by + found.length) % found.length);
      } else if (event.key === "Enter" || event.key === "Tab") choose(found[Math.min(active, found.length - 1)]);
      else if (event.key === "Escape") setTyping(undefined);
      else return false;
      event.preventDefault();
      return true;
    },
    // A text area keeps its textbox role (HTML allows it no other); these tell a screen
    // reader of the list and of the member picked in it while focus stays in the text.
    boxProps: {
      "aria-autocomplete": "list",
      "aria-controls": `${id}-list`,
      "aria-activedescendant": open ? optionId(Math.min(active, found.length - 1)) : undefined,
    } as const,
    list: (
      <div id={`${id}-list`} role="listbox" aria-label="Members to mention" class={styles.list} hidden={!open}>
        {found.map((member, i) => (
          // biome-ignore lint/a11y/useFocusableInteractive: the text box keeps focus; aria-activedescendant points here.
          // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are the text box's (↑/↓/Enter/Tab/Esc).
          <div
            key={member.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === Math.min(active, found.length - 1)}
            class={styles.option}
            // A press would take focus from the text box before the click could choose.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => choose(member)}
          >
            <span class={styles.name}>{member.full_name}</span> <span class={styles.username}>@{member.username}</span>
          </div>
        ))}
      </div>
    ),
  };
}
