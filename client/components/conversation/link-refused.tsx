/**
 * What a message link shows when its room is not mine to read: the same words whether the
 * room exists or not, as a link should tell an outsider nothing about it.
 */
import { useEffect, useRef } from "preact/hooks";
import styles from "./conversation.module.css";

/** `problem` is empty for a refusal, or says what went wrong on the way. */
export function LinkRefused({ problem, onBack }: { problem: string; onBack: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // As a conversation does when it opens: the pane's heading takes focus.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class={styles.refused} aria-labelledby="link-refused-title">
      <h2 id="link-refused-title" class={styles.title} tabIndex={-1} ref={heading}>
        {problem ? "Could not open that message" : "You can't see that message"}
      </h2>
      <p>{problem || "It is in a conversation you are not part of, or one that no longer exists."}</p>
      <button type="button" class={styles.small} onClick={onBack}>
        Back to conversations
      </button>
    </section>
  );
}
