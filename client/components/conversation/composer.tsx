/**
 * Where a message is written: Enter sends, Shift+Enter breaks the line, `@` suggests the
 * room's members, and how much of the length limit is used shows beside it.
 */
import { useId, useRef, useState } from "preact/hooks";
import { MAX_MESSAGE_LENGTH } from "../../../core/protocol-constants";
import type { User } from "../../lib/api";
import { useMentionPicker } from "../mention-picker";
import styles from "./conversation.module.css";

/** From this many characters on, the count is shown as a warning. */
const WARN_FROM = MAX_MESSAGE_LENGTH - 200;

type ComposerProps = {
  label: string;
  onSend: (text: string) => void;
  onTyping?: () => void;
  disabled?: boolean;
  /** Whom `@` suggests: the room's other members. */
  members?: Pick<User, "id" | "username" | "full_name">[];
};

export function Composer({ label, onSend, onTyping, disabled, members = [] }: ComposerProps) {
  const [text, setText] = useState("");
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const mentions = useMentionPicker(members, text, (next, caret) => {
    setText(next);
    // After the render that shows the new text, the caret goes after the inserted mention.
    requestAnimationFrame(() => box.current?.setSelectionRange(caret, caret));
  });
  const submit = () => {
    if (!text.trim() || disabled) return;
    onSend(text);
    setText("");
  };
  return (
    <form
      class={styles.composer}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label for={id} class="visually-hidden">
        {label}
      </label>
      {mentions.list}
      <textarea
        id={id}
        ref={box}
        {...mentions.boxProps}
        class={styles.input}
        rows={1}
        value={text}
        maxLength={MAX_MESSAGE_LENGTH}
        placeholder={label}
        aria-describedby={`${id}-count ${id}-hint`}
        onInput={(event) => {
          setText(event.currentTarget.value);
          mentions.follow(event.currentTarget);
          onTyping?.();
        }}
        onClick={(event) => mentions.follow(event.currentTarget)}
        onKeyDown={(event) => {
          if (mentions.keyDown(event)) return;
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <span id={`${id}-hint`} class="visually-hidden">
        Enter sends, Shift+Enter starts a new line.
      </span>
      <span id={`${id}-count`} class={`${styles.count} ${text.length >= WARN_FROM ? styles.countWarn : ""}`}>
        {text.length} / {MAX_MESSAGE_LENGTH}
      </span>
      <button type="submit" class={styles.send} disabled={disabled || !text.trim()}>
        Send
      </button>
    </form>
  );
}
