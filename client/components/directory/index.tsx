/**
 * The people directory: everyone I can chat with, by name, with their username, status,
 * picture and whether they are here, narrowed as I type. A picture opens their profile card;
 * Message opens our DM. Loaded only when first opened.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { answer, api, type User } from "../../lib/api";
import { Avatar } from "../avatar";
import { problemOf } from "../dialog/problem";
import { Status } from "../status";
import styles from "./directory.module.css";

type DirectoryProps = {
  onMessage: (person: User) => void;
  onShowProfile: (person: User) => void;
  onBack: () => void;
};

const byName = (a: User, b: User) => a.full_name.localeCompare(b.full_name) || a.id - b.id;

/** Whether every word typed is in their name, username or email. */
const matches = (person: User, words: string[]) => {
  const said = `${person.full_name} ${person.username} ${person.email}`.toLowerCase();
  return words.every((word) => said.includes(word));
};

export function Directory({ onMessage, onShowProfile, onBack }: DirectoryProps) {
  const [people, setPeople] = useState<User[] | null>(null);
  const [problem, setProblem] = useState("");
  const [query, setQuery] = useState("");
  useEffect(() => {
    let current = true;
    answer(api.profiles.get_available_users.$get({ query: {} })).then(
      (found) => current && setPeople([...found].sort(byName)),
      (err: unknown) => current && setProblem(problemOf(err).message),
    );
    return () => {
      current = false;
    };
  }, []);
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = useMemo(() => people?.filter((person) => matches(person, words)) ?? [], [people, query]);

  let status = "";
  if (problem) status = `Could not load the people. ${problem}`;
  else if (!people) status = "Loading…";
  else if (people.length === 0) status = "Nobody else is here yet.";
  else if (shown.length === 0) status = "Nobody matches.";

  return (
    <section class={styles.directory} aria-labelledby="directory-title">
      <header class={styles.header}>
        <button type="button" class={styles.back} onClick={onBack} aria-label="Back to conversations">
          ←
        </button>
        <h2 id="directory-title" class={styles.title}>
          People
        </h2>
      </header>
      <div class={styles.search}>
        <label for="directory-search" class="visually-hidden">
          Search people
        </label>
        <input
          id="directory-search"
          class={styles.searchInput}
          type="search"
          placeholder="Search by name, username or email"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
          autoComplete="off"
        />
      </div>
      <p class={styles.note} role="status">
        {status}
      </p>
      <ul class={styles.list}>
        {shown.map((person) => (
          <li key={person.id} class={styles.person}>
            <button
              type="button"
              class={styles.picture}
              aria-label={`${person.full_name}'s profile`}
              onClick={() => onShowProfile(person)}
            >
              <Avatar src={person.avatar_url} name={person.full_name} online={person.is_online} size={40} />
            </button>
            <span class={styles.who}>
              <span class={styles.name}>{person.full_name}</span>
              <span class={styles.username}>@{person.username}</span>
              <Status user={person} class={styles.username} />
            </span>
            <button
              type="button"
              class={styles.message}
              aria-label={`Message ${person.full_name}`}
              onClick={() => onMessage(person)}
            >
              Message
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
