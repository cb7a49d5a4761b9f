/**
 * Picking people for a group: search by name as you type (debounced, so a word is one
 * request, and a slow answer to an old word never replaces a newer one), add from the
 * matches, remove from the chosen list.
 */
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { answer, api, type User } from "../../lib/api";
import form from "../dialog/form.module.css";
import { problemOf } from "../dialog/problem";
import styles from "./people-picker.module.css";

/** How long typing must pause before the search goes out. */
const SEARCH_DELAY_MS = 250;

const presenceText = (online: boolean | null) => (online === null ? "presence unknown" : online ? "online" : "offline");

/** A dot for someone's presence, with the words for it beside it for screen readers. */
export function PresenceDot({ online }: { online: boolean | null }) {
  const state = online === null ? styles.unknown : online ? styles.online : styles.offline;
  return (
    <span class={`${styles.dot} ${state}`} title={presenceText(online)}>
      <span class={styles.hidden}>{presenceText(online)}</span>
    </span>
  );
}

/** A person's avatar, name and presence, as lists of people show them. */
export function Person({ user }: { user: User }) {
  return (
    <span class={styles.person}>
      <img src={user.avatar_url} alt="" width={32} height={32} />
      <span class={styles.personName}>{user.full_name}</span>
      <PresenceDot online={user.is_online} />
    </span>
  );
}

type PeoplePickerProps = {
  label: string;
  chosen: User[];
  onChange: (chosen: User[]) => void;
  /** People never offered: the room's members, or yourself. */
  exclude?: number[];
};

/** A search box over everyone you can chat with, and the people chosen so far. */
export function PeoplePicker({ label, chosen, onChange, exclude = [] }: PeoplePickerProps) {
  const [term, setTerm] = useState("");
  const [matches, setMatches] = useState<User[]>([]);
  const [error, setError] = useState("");
  const latest = useRef(0);
  const inputId = useId();

  useEffect(() => {
    const wanted = term.trim();
    const request = ++latest.current;
    if (!wanted) {
      setMatches([]);
      return;
    }
    const timer = setTimeout(async () => {
      try {
        const found = await answer(api.profiles.get_available_users.$get({ query: { full_name: wanted } }));
        if (request !== latest.current) return;
        setMatches(found);
        setError("");
      } catch (err) {
        if (request === latest.current) setError(problemOf(err).message);
      }
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [term]);

  const chosenIds = new Set(chosen.map((user) => user.id));
  const offered = matches.filter((user) => !chosenIds.has(user.id) && !exclude.includes(user.id));

  return (
    <div class={styles.picker}>
      <div class={form.field}>
        <label for={inputId}>{label}</label>
        <input
          id={inputId}
          class={form.input}
          type="search"
          value={term}
          onInput={(event) => setTerm(event.currentTarget.value)}
          placeholder="Type a name"
          autoComplete="off"
          maxLength={150}
        />
      </div>
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
      {term.trim() && (
        <ul class={styles.list} aria-label="Matching people" aria-live="polite">
          {offered.map((user) => (
            <li key={user.id}>
              <Person user={user} />
              <button type="button" class={form.button} onClick={() => onChange([...chosen, user])}>
                Add <span class={styles.hidden}>{user.full_name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {chosen.length > 0 && (
        <ul class={styles.list} aria-label="Chosen people">
          {chosen.map((user) => (
            <li key={user.id}>
              <Person user={user} />
              <button type="button" class={form.button} onClick={() => onChange(chosen.filter((u) => u.id !== user.id))}>
                Remove <span class={styles.hidden}>{user.full_name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
