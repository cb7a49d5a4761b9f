/**
 * The audit list on the admin page: what superusers removed and deactivated, newest first,
 * a page at a time.
 */
import type { InferResponseType } from "hono/client";
import { useEffect, useId, useState } from "preact/hooks";
import { answer, api } from "../../lib/api";
import { fullTime } from "../../lib/times";
import form from "../dialog/form.module.css";
import { problemOf } from "../dialog/problem";
import styles from "./admin.module.css";

/** Entries per page of the list. */
const AUDIT_PAGE_SIZE = 20;

type AuditPage = InferResponseType<(typeof api.audit)["$get"], 200>;
type AuditEntry = AuditPage["results"][number];

/** One entry in a sentence: who did what to whose. */
export function auditSentence(entry: AuditEntry): string {
  const whose = entry.target ? entry.target.username : "someone";
  if (entry.action === "message_removed") {
    return `${entry.actor.username} removed a message by ${whose} (message ${entry.message} in room ${entry.room})`;
  }
  return `${entry.actor.username} deactivated ${whose}`;
}

export function AuditList() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState("");
  const headingId = useId();

  const load = async (offset: number) => {
    try {
      const page = await answer(api.audit.$get({ query: { limit: String(AUDIT_PAGE_SIZE), offset: String(offset) } }));
      setEntries((shown) => (offset === 0 ? page.results : [...shown, ...page.results]));
      setMore(page.next !== null);
      setError("");
    } catch (err) {
      setError(problemOf(err).message);
    }
  };
  useEffect(() => void load(0), []);

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Audit list</h3>
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
      {entries.length === 0 && !error && <p class={styles.meta}>Nothing removed or deactivated yet.</p>}
      <ul class={styles.audit} aria-label="Audit list">
        {entries.map((entry) => (
          <li key={entry.id}>
            <time dateTime={entry.created_at}>{fullTime(entry.created_at)}</time> {auditSentence(entry)}
          </li>
        ))}
      </ul>
      {more && (
        <button type="button" class={form.button} onClick={() => load(entries.length)}>
          Show older
        </button>
      )}
    </section>
  );
}
