/**
 * Signing in: a username and a password, and a plain sentence when it fails (wrong
 * password, too many tries, the server unreachable).
 */
import { useState } from "preact/hooks";
import { ApiError } from "../../lib/api";
import { signIn } from "../../lib/session";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";
import styles from "./sign-in.module.css";

/** What to tell the person when signing in failed. */
export function signInProblem(err: unknown): string {
  if (!(err instanceof ApiError)) return "Could not reach Condor Chat. Check your connection and try again.";
  if (err.status === 401) return "That username and password do not match an active account.";
  if (err.status === 429) return "Too many attempts. Wait a few minutes, then try again.";
  return err.message;
}

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await signIn(username.trim(), password);
      onSignedIn();
    } catch (err) {
      setProblem(signInProblem(err));
      setBusy(false);
    }
  };

  return (
    <main class={styles.screen}>
      <form
        class={`${styles.card} ${form.form}`}
        onSubmit={submit}
        // The last failure's sentence goes once the person edits what they typed.
        onInput={() => setProblem("")}
        aria-labelledby="sign-in-title"
      >
        <div>
          <h1 id="sign-in-title">Condor Chat</h1>
          <p class={styles.tagline}>Sign in to talk with your team.</p>
        </div>
        <Field
          label="Username"
          name="username"
          value={username}
          onInput={setUsername}
          autoComplete="username"
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onInput={setPassword}
          autoComplete="current-password"
          required
        />
        {problem && (
          <p role="alert" class={form.alert}>
            {problem}
          </p>
        )}
        <button type="submit" class={`${form.button} ${form.primary} ${styles.wide}`} disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
