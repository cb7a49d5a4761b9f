/**
 * Picking people for a group: search by name or email as you type, add from the matches,
 * remove from the chosen list. Each person shows their avatar, name and presence.
 */
import { useId, useRef, useState } from "preact/hooks";
import type { User } from "../../lib/api";
import { usePeopleSearch } from "../../lib/use-people-search";
import { Avatar } from "../avatar";
import form from "../dialog/form.module.css";
import styles from "./people-picker.module.css";

/** A person's avatar (with an online dot when presence is known), name, and "presence unknown" when it is not. */
export function Person({ user }: { user: User }) {
  return (
    <span class={styles.person}>
      <Avatar src={user.avatar_url} name={user.full_name} online={user.is_online} size={32} />
      <span class={styles.personName}>{user.full_name}</span>
      {user.is_online === null && <span class={styles.unknown}>presence unknown</span>}
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
  const search = usePeopleSearch(term);
  const inputId = useId();
  const chosenId = useId();
  const input = useRef<HTMLInputElement>(null);
  // The button pressed leaves its list: the keyboard goes back to the search for the next name.
  const pick = (next: User[]) => {
    onChange(next);
    input.current?.focus();
  };

  const chosenIds = new Set(chosen.map((user) => user.id));
  const offered = search.people.filter((user) => !chosenIds.has(user.id) && !exclude.includes(user.id));

  return (
    <div class={styles.picker}>
      <div class={form.field}>
        <label for={inputId}>{label}</label>
        <input
          ref={input}
          id={inputId}
          class={form.input}
          type="search"
          value={term}
          onInput={(event) => setTerm(event.currentTarget.value)}
          onKeyDown={(event) => {
            // Escape empties a search first; only an empty one lets the dialog close.
            if (event.key === "Escape" && term) {
              event.stopPropagation();
              setTerm("");
            }
          }}
          placeholder="Type a name or email"
          autoComplete="off"
          maxLength={254}
        />
      </div>
      {search.problem && (
        <p role="alert" class={form.alert}>
          {search.problem}
        </p>
      )}
      {term.trim() && !search.searching && offered.length === 0 && <p class={styles.none}>No one else matches.</p>}
      {term.trim() && (
        <ul class={styles.list} aria-label="Matching people" aria-busy={search.searching}>
          {offered.map((user) => (
            <li key={user.id}>
              <Person user={user} />
              <button type="button" class={form.button} onClick={() => pick([...chosen, user])}>
                Add <span class="visually-hidden">{user.full_name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {chosen.length > 0 && (
        <p id={chosenId} class={styles.caption}>
          Chosen people
        </p>
      )}
      {chosen.length > 0 && (
        <ul class={styles.list} aria-labelledby={chosenId}>
          {chosen.map((user) => (
            <li key={user.id}>
              <Person user={user} />
              <button type="button" class={form.button} onClick={() => pick(chosen.filter((u) => u.id !== user.id))}>
                Remove <span class="visually-hidden">{user.full_name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
