/**
 * The fields of a new account (username, name, email, password), each with the API's
 * complaint about it beneath: first-run setup and an invite link make accounts alike.
 */
import { useState } from "preact/hooks";
import { useFormAction } from "../../lib/use-form-action";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";

export type NewAccount = { username: string; first_name: string; last_name: string; email: string; password: string };

type AccountFormProps = {
  title: string;
  intro: string;
  submitLabel: string;
  /** The username to start from: an imported account's, which its person may keep. */
  username?: string;
  /** Makes the account and signs it in; an ApiError's fields show under their inputs. */
  onSubmit: (account: NewAccount) => Promise<void>;
};

export function AccountForm({ title, intro, submitLabel, username = "", onSubmit }: AccountFormProps) {
  const [account, setAccount] = useState<NewAccount>({
    username,
    first_name: "",
    last_name: "",
    email: "",
    password: "",
  });
  const { problem, busy, run } = useFormAction();
  const set = (name: keyof NewAccount) => (value: string) => setAccount((old) => ({ ...old, [name]: value }));
  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => onSubmit({ ...account, username: account.username.trim(), email: account.email.trim() }));
  };
  return (
    <form class={form.form} onSubmit={submit} aria-labelledby="account-form-title" noValidate>
      <div>
        <h1 id="account-form-title">{title}</h1>
        <p>{intro}</p>
      </div>
      <Field
        label="Username"
        name="username"
        value={account.username}
        onInput={set("username")}
        autoComplete="username"
        required
        error={problem.fields.username}
      />
      <Field
        label="First name"
        name="first_name"
        value={account.first_name}
        onInput={set("first_name")}
        autoComplete="given-name"
        error={problem.fields.first_name}
      />
      <Field
        label="Last name"
        name="last_name"
        value={account.last_name}
        onInput={set("last_name")}
        autoComplete="family-name"
        error={problem.fields.last_name}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        value={account.email}
        onInput={set("email")}
        autoComplete="email"
        error={problem.fields.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        value={account.password}
        onInput={set("password")}
        autoComplete="new-password"
        required
        minLength={6}
        error={problem.fields.password}
      />
      {problem.message && (
        <p role="alert" class={form.alert}>
          {problem.message}
        </p>
      )}
      <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
