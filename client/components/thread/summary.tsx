/** A thread root's summary under it: "3 replies · last reply 10:16" with who replied; it opens the thread. */
import type { User } from "../../lib/api";
import { summaryText, type ThreadSummary } from "../../lib/threads";
import { clockTime } from "../../lib/times";
import { Avatar } from "../avatar";
import styles from "./thread.module.css";

/** Faces shown at most; the count says the rest. */
const MOST_FACES = 4;

export function ThreadLink({
  thread,
  people,
  onOpen,
}: {
  thread: ThreadSummary;
  people: (id: number) => User | undefined;
  onOpen: () => void;
}) {
  return (
    <button type="button" class={styles.summary} onClick={onOpen}>
      <span class={styles.faces} aria-hidden="true">
        {thread.participants.slice(0, MOST_FACES).map((id) => {
          const person = people(id);
          return <Avatar key={id} src={person?.avatar_url} name={person?.full_name ?? "Someone"} size={18} />;
        })}
      </span>
      {summaryText(thread, clockTime)}
    </button>
  );
}
