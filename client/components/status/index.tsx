/**
 * Someone's status where they are shown: in full (emoji and text) on their card, in the
 * directory and beside a DM's name, or its emoji alone after a name in a list, with the
 * text as its tooltip and for screen readers. Nothing while they have none. Text only, so
 * whatever they wrote shows as written.
 */
import type { User } from "../../lib/api";
import { statusLine, statusOf } from "../../lib/status";
import { useUntil } from "../../lib/use-until";
import styles from "./status.module.css";

type StatusProps = {
  user: Pick<User, "status_emoji" | "status_text" | "status_until">;
  /** The emoji alone (its text still read out); nothing for a status of text alone. */
  compact?: boolean;
  class?: string;
};

export function Status({ user, compact = false, class: className = "" }: StatusProps) {
  // Renders again when the status ends, so it goes without a reload.
  useUntil(user.status_until);
  const status = statusOf(user);
  if (!status) return null;
  const line = statusLine(status);
  if (compact) {
    if (!status.emoji) return null;
    return (
      <span class={`${styles.status} ${className}`} title={line}>
        <span aria-hidden="true">{status.emoji}</span>
        <span class="visually-hidden">Status: {line}</span>
      </span>
    );
  }
  return (
    <span class={`${styles.status} ${className}`}>
      <span class="visually-hidden">Status: </span>
      {line}
    </span>
  );
}
