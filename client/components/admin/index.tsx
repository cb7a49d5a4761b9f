/**
 * The admin page, for superusers: what the original's Django admin was used for. Create
 * people, find them by name or username, deactivate and reactivate them, reset a password,
 * grant or revoke superuser, and read the audit list of removed messages and deactivations.
 * The API decides what is allowed (no one deactivates or demotes themselves); this page
 * shows its answer beside the person it is about.
 */
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { answer, api, type User } from "../../lib/api";
import { useDebounced } from "../../lib/use-debounced";
import { useFormAction } from "../../lib/use-form-action";
import { Avatar } from "../avatar";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";
import { problemOf } from "../dialog/problem";
import styles from "./admin.module.css";
import { AuditList } from "./audit";

/** People per page of the list. */
const ADMIN_PAGE_SIZE = 20;

type UserPage = { count: number; next: string | null; previous: string | null; results: User[] };

export type AdminProps = { me: User };

const blankUser = { username: "", first_name: "", last_name: "", email: "", password: "" };

function NewUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const [draft, setDraft] = useState(blankUser);
  const { problem, busy, run, edited } = useFormAction();
  const headingId = useId();
  const set = (key: keyof typeof blankUser) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const created = await answer(api.profiles.$post({ json: draft }));
      setDraft(blankUser);
      onCreated(created);
    });
  };

  return (
    <form
      class={`${form.form} ${styles.newUser}`}
      onSubmit={submit}
      onInput={edited}
      aria-labelledby={headingId}
      noValidate
    >
      <h3 id={headingId}>Create a user</h3>
      <Field
        label="Username"
        value={draft.username}
        onInput={set("username")}
        autoComplete="off"
        required
        maxLength={150}
        error={problem.fields.username}
      />
      <Field
        label="First name"
        value={draft.first_name}
        onInput={set("first_name")}
        autoComplete="off"
        maxLength={150}
        error={problem.fields.first_name}
      />
      <Field
        label="Last name"
        value={draft.last_name}
        onInput={set("last_name")}
        autoComplete="off"
        maxLength={150}
        error={problem.fields.last_name}
      />
      <Field
        label="Email"
        type="email"
        value={draft.email}
        onInput={set("email")}
        autoComplete="off"
        maxLength={254}
        error={problem.fields.email}
      />
      <Field
        label="Password"
        type="password"
        value={draft.password}
        onInput={set("password")}
        autoComplete="new-password"
        required
        maxLength={100}
        error={problem.fields.password}
      />
      <div class={form.actions}>
        <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
          Create user
        </button>
      </div>
      {problem.message && (
        <p role="alert" class={form.alert}>
          {problem.message}
        </p>
      )}
    </form>
  );
}

function PasswordReset({ user, onDone }: { user: User; onDone: (message: string) => void }) {
  const [password, setPassword] = useState("");
  const { problem, run, edited } = useFormAction();
  const formRef = useRef<HTMLFormElement>(null);
  // Opened from a button in the row: the keyboard goes straight to the new password.
  useEffect(() => formRef.current?.querySelector("input")?.focus(), []);
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await answer(api.profiles[":id"].$patch({ param: { id: String(user.id) }, json: { password } }));
      onDone(`${user.username}'s password is reset; their sessions are signed out.`);
    });
  };
  return (
    <form ref={formRef} class={styles.reset} onSubmit={submit} onInput={edited} noValidate>
      <Field
        label={`New password for ${user.username}`}
        type="password"
        value={password}
        onInput={setPassword}
        autoComplete="new-password"
        maxLength={100}
        error={problem.fields.password}
      />
      <button type="submit" class={`${form.button} ${form.primary}`}>
        Set password
      </button>
      {problem.message && !problem.fields.password && (
        <p role="alert" class={form.alert}>
          {problem.message}
        </p>
      )}
    </form>
  );
}

function UserRow({ user, me, onChanged }: { user: User; me: User; onChanged: (user: User, message: string) => void }) {
  const [resetting, setResetting] = useState(false);
  const [error, setError] = useState("");
  const change = async (changes: Partial<Pick<User, "is_active" | "is_superuser">>, done: string) => {
    setError("");
    try {
      onChanged(await answer(api.profiles[":id"].$patch({ param: { id: String(user.id) }, json: changes })), done);
    } catch (err) {
      setError(problemOf(err).message);
    }
  };
  const who = user.full_name === user.username ? user.username : `${user.full_name} (${user.username})`;
  return (
    <li class={styles.user} aria-label={who}>
      <div class={styles.identity}>
        <Avatar src={user.avatar_url} name={user.full_name} size={40} />
        <div>
          <p class={styles.name}>
            {who}
            {user.id === me.id && " — you"}
          </p>
          <p class={styles.meta}>
            {user.email || "no email"} · {user.is_active ? "active" : "deactivated"}
            {user.is_superuser && " · superuser"}
            {user.is_bot && " · bot"}
          </p>
        </div>
      </div>
      {/* Short labels keep a row on one line; each name starts with its label (so a spoken
          command still finds it) and says whom it acts on. */}
      <div class={styles.actions}>
        {/* The API refuses both on one's own account: they would lock the last admin out. */}
        {user.id !== me.id && (
          <>
            {user.is_active ? (
              <button
                type="button"
                class={`${form.button} ${styles.action} ${form.danger}`}
                aria-label={`Deactivate ${user.username}`}
                onClick={() => change({ is_active: false }, `${user.username} is deactivated.`)}
              >
                Deactivate
              </button>
            ) : (
              <button
                type="button"
                class={`${form.button} ${styles.action}`}
                aria-label={`Reactivate ${user.username}`}
                onClick={() => change({ is_active: true }, `${user.username} is active again.`)}
              >
                Reactivate
              </button>
            )}
            {user.is_superuser ? (
              <button
                type="button"
                class={`${form.button} ${styles.action}`}
                aria-label={`Revoke superuser: ${user.username}`}
                onClick={() => change({ is_superuser: false }, `${user.username} is no longer a superuser.`)}
              >
                Revoke superuser
              </button>
            ) : (
              <button
                type="button"
                class={`${form.button} ${styles.action}`}
                aria-label={`Make superuser: ${user.username}`}
                onClick={() => change({ is_superuser: true }, `${user.username} is now a superuser.`)}
              >
                Make superuser
              </button>
            )}
          </>
        )}
        <button
          type="button"
          class={`${form.button} ${styles.action}`}
          aria-label={`Reset password: ${user.username}`}
          aria-expanded={resetting}
          onClick={() => setResetting(!resetting)}
        >
          Reset password
        </button>
      </div>
      {resetting && (
        <PasswordReset
          user={user}
          onDone={(message) => {
            setResetting(false);
            onChanged(user, message);
          }}
        />
      )}
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
    </li>
  );
}

/** The admin page; the shell offers it only to superusers, and the API refuses everyone else. */
export function Admin({ me }: AdminProps) {
  if (!me.is_superuser) {
    return (
      <section class={styles.admin}>
        <h2>Administration</h2>
        <p>Only superusers can manage people.</p>
      </section>
    );
  }
  return (
    <>
      <People me={me} />
      <section class={styles.admin}>
        <AuditList />
      </section>
    </>
  );
}

/** How long typing in the search must pause before the list is asked for again. */
const SEARCH_DELAY_MS = 250;

/** What the search found, in a sentence. */
function matchesSentence(count: number, term: string): string {
  if (count === 0) return `No one matches “${term}”.`;
  return count === 1 ? `1 person matches “${term}”.` : `${count} people match “${term}”.`;
}

function People({ me }: AdminProps) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ term: string; found: UserPage } | null>(null);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  const [query, setQuery] = useState("");
  const term = useDebounced(query.trim(), SEARCH_DELAY_MS);
  const headingId = useId();
  const searchId = useId();
  /** The latest list asked for: an answer to an older one that arrives late is dropped. */
  const asked = useRef(0);

  const load = async (at: number, search: string) => {
    const ask = ++asked.current;
    try {
      const found = await answer(
        api.profiles.$get({
          query: { limit: String(ADMIN_PAGE_SIZE), offset: String(at), ...(search && { full_name: search }) },
        }),
      );
      if (ask !== asked.current) return;
      setPage({ term: search, found });
      setOffset(at);
      setError("");
    } catch (err) {
      if (ask === asked.current) setError(problemOf(err).message);
    }
  };
  useEffect(() => void load(0, term), [term]);

  const replace = (changed: User, message: string) => {
    setPage(
      (p) =>
        p && { ...p, found: { ...p.found, results: p.found.results.map((u) => (u.id === changed.id ? changed : u)) } },
    );
    setStatus(message);
  };
  const created = (user: User) => {
    setStatus(`${user.username} is created.`);
    // New users come last in the list: show the page they landed on (a search stays on its page).
    if (page?.term) {
      void load(offset, page.term);
    } else {
      const count = (page?.found.count ?? 0) + 1;
      void load(Math.floor((count - 1) / ADMIN_PAGE_SIZE) * ADMIN_PAGE_SIZE, "");
    }
  };

  const found = page?.found;
  const last = found ? Math.min(offset + found.results.length, found.count) : 0;
  return (
    <section class={styles.admin} aria-labelledby={headingId}>
      <h2 id={headingId}>Administration</h2>
      <NewUserForm onCreated={created} />
      <h3>People</h3>
      <div class={styles.search}>
        <label for={searchId} class="visually-hidden">
          Search people
        </label>
        <input
          id={searchId}
          class={form.input}
          type="search"
          placeholder="Search by name or username"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
          autoComplete="off"
        />
      </div>
      <p role="status" class={styles.matches}>
        {page?.term ? matchesSentence(page.found.count, page.term) : ""}
      </p>
      <p role="status" class={form.status}>
        {status}
      </p>
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
      {found && !(page.term && found.count === 0) && (
        <>
          <ul class={styles.users} aria-label="People">
            {found.results.map((user) => (
              <UserRow key={user.id} user={user} me={me} onChanged={replace} />
            ))}
          </ul>
          <nav class={styles.pager} aria-label="Pages of people">
            <button
              type="button"
              class={form.button}
              disabled={!found.previous}
              onClick={() => load(Math.max(0, offset - ADMIN_PAGE_SIZE), page.term)}
            >
              Previous page
            </button>
            <span>{found.count === 0 ? "No people" : `${offset + 1}–${last} of ${found.count}`}</span>
            <button
              type="button"
              class={form.button}
              disabled={!found.next}
              onClick={() => load(offset + ADMIN_PAGE_SIZE, page.term)}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

export default Admin;
