/**
 * Where a message is written: Enter sends, Shift+Enter breaks the line, `@` suggests the
 * room's members, how much of the length limit is used shows beside it, and a hint shows
 * the Markdown that formats it. In a room, files come along too: pasted, dropped or picked
 * with the button, uploaded at once, sent with the text.
 */
import { useId, useRef, useState } from "preact/hooks";
import { MAX_MESSAGE_LENGTH } from "../../../core/protocol-constants";
import type { User } from "../../lib/api";
import { useUploads } from "../../lib/use-uploads";
import { PendingFiles } from "../attachments";
import { useMentionPicker } from "../mention-picker";
import styles from "./conversation.module.css";

/** From this many characters on, the count is shown as a warning. */
const WARN_FROM = MAX_MESSAGE_LENGTH - 200;

type ComposerProps = {
  label: string;
  /** The ids of the files sent with the text, when files can be attached. */
  onSend: (text: string, attachments?: string[]) => void;
  onTyping?: () => void;
  disabled?: boolean;
  /** The room files are uploaded to; without one, nothing can be attached. */
  roomId?: number;
  /** Whom `@` suggests: the room's other members. */
  members?: Pick<User, "id" | "username" | "full_name">[];
};

export function Composer({ label, onSend, onTyping, disabled, roomId, members = [] }: ComposerProps) {
  const [text, setText] = useState("");
  const uploads = useUploads(roomId);
  const picker = useRef<HTMLInputElement>(null);
  const id = useId();
  const ready = (text.trim() || uploads.ids.length > 0) && !uploads.busy && !disabled;
  const box = useRef<HTMLTextAreaElement>(null);
  const mentions = useMentionPicker(members, text, (next, caret) => {
    // The box takes the text and the caret at once, in the key's own event: a caret put
    // there a frame later would land behind what was typed meanwhile.
    if (box.current) {
      box.current.value = next;
      box.current.setSelectionRange(caret, caret);
    }
    setText(next);
  });
  const submit = () => {
    if (!ready) return;
    if (uploads.ids.length > 0) onSend(text, uploads.ids);
    else onSend(text);
    setText("");
    uploads.clear();
  };
  const attach = (files: FileList | null | undefined) => {
    if (roomId !== undefined && files && files.length > 0) uploads.add([...files]);
  };
  return (
    <form
      class={styles.composer}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      onDragOver={(event) => {
        if (roomId !== undefined && event.dataTransfer?.types.includes("Files")) event.preventDefault();
      }}
      onDrop={(event) => {
        if (roomId === undefined || !event.dataTransfer?.files.length) return;
        event.preventDefault();
        attach(event.dataTransfer.files);
      }}
    >
      <PendingFiles files={uploads.files} onRemove={uploads.remove} />
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
        onPaste={(event) => {
          if (roomId === undefined || !event.clipboardData?.files.length) return;
          event.preventDefault();
          attach(event.clipboardData.files);
        }}
      />
      {roomId !== undefined && (
        <>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Files to attach"
            onChange={(event) => {
              attach(event.currentTarget.files);
              event.currentTarget.value = "";
            }}
          />
          <button type="button" class={styles.send} onClick={() => picker.current?.click()}>
            Attach
          </button>
        </>
      )}
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
      <button type="submit" class={styles.send} disabled={!ready}>
        Send
      </button>
    </form>
  );
}
