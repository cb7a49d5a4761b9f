/**
 * Where a message is written: Enter sends, Shift+Enter breaks the line, how much of the
 * length limit is used shows beside it, and a hint shows the Markdown that formats it.
 */
import { useId, useState } from "preact/hooks";
import { MAX_MESSAGE_LENGTH } from "../../../core/protocol-constants";
import styles from "./conversation.module.css";

/** From this many characters on, the count is shown as a warning. */
const WARN_FROM = MAX_MESSAGE_LENGTH - 200;

type ComposerProps = {
  label: string;
  onSend: (text: string) => void;
  onTyping?: () => void;
  disabled?: boolean;
};

export function Composer({ label, onSend, onTyping, disabled }: ComposerProps) {
  const [text, setText] = useState("");
  const id = useId();
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
      <textarea
        id={id}
        class={styles.input}
        rows={1}
        value={text}
        maxLength={MAX_MESSAGE_LENGTH}
        placeholder={label}
        aria-describedby={`${id}-count ${id}-hint`}
        onInput={(event) => {
          setText(event.currentTarget.value);
          onTyping?.();
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <span id={`${id}-hint`} class="visually-hidden">
        Enter sends, Shift+Enter starts a new line. Markdown formats it: two stars for bold, underscores for italic,
        backticks for code, three backticks for a block.
      </span>
      <span class={styles.formatHint} aria-hidden="true">
        **bold** _italic_ `code` ```block```
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
