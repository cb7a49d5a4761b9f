/**
 * The profile dialog: a new avatar (framed and shrunk in the browser), name and email, and
 * the password. Each part saves on its own and shows the API's field errors beside the
 * fields they are about.
 */
import { useId, useState } from "preact/hooks";
import { answer, api, type User } from "../../lib/api";
import { signIn } from "../../lib/session";
import { useFormAction } from "../../lib/use-form-action";
import { Dialog } from "../dialog";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";
import type { Problem } from "../dialog/problem";
import { PushSettings } from "../push-settings";
import { AvatarEditor } from "./avatar-editor";

export type ProfileProps = {
  me: User;
  /** Called with the changed profile after each save, and after a new avatar. */
  onChanged: (me: User) => void;
  onClose: () => void;
};

/** A form's message line: the API's sentence as an alert, or what was saved as a status. */
function Outcome({ problem, saved }: { problem: Problem; saved: string }) {
  if (problem.message) {
    return (
      <p role="alert" class={form.alert}>
        {problem.message}
      </p>
    );
  }
  return saved ? (
    <p role="status" class={form.status}>
      {saved}
    </p>
  ) : null;
}

function NameForm({ me, onChanged }: { me: User; onChanged: (me: User) => void }) {
  const [firstName, setFirstName] = useState(me.first_name);
  const [lastName, setLastName] = useState(me.last_name);
  const [email, setEmail] = useState(me.email);
  const { problem, busy, run, edited } = useFormAction();
  const [saved, setSaved] = useState("");
  const headingId = useId();

  const submit = (event: Event) => {
    event.preventDefault();
    setSaved("");
    void run(async () => {
      const changed = await answer(
        api.profiles[":id"].$patch({
          param: { id: String(me.id) },
          json: { first_name: firstName, last_name: lastName, email },
        }),
      );
      setSaved("Saved.");
      onChanged(changed);
    });
  };

  return (
    <form class={form.form} onSubmit={submit} onInput={edited} aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Name and email</h3>
      <Field
        label="First name"
        value={firstName}
        onInput={setFirstName}
        autoComplete="given-name"
        maxLength={150}
        error={problem.fields.first_name}
      />
      <Field
        label="Last name"
        value={lastName}
        onInput={setLastName}
        autoComplete="family-name"
        maxLength={150}
        error={problem.fields.last_name}
      />
      <Field
        label="Email"
        type="email"
        value={email}
        onInput={setEmail}
        autoComplete="email"
        maxLength={254}
        error={problem.fields.email}
      />
      <div class={form.actions}>
        <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
          Save name and email
        </button>
      </div>
      <Outcome problem={problem} saved={saved} />
    </form>
  );
}

function PasswordForm({ me }: { me: User }) {
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const { problem, setProblem, busy, run, edited } = useFormAction();
  const [saved, setSaved] = useState("");
  const headingId = useId();

  const submit = (event: Event) => {
    event.preventDefault();
    setSaved("");
    if (password !== repeated) {
      setProblem({
        message: "The new passwords differ.",
        fields: { repeated: "This does not match the new password." },
      });
      return;
    }
    void run(async () => {
      await answer(
        api.profiles[":id"].$patch({ param: { id: String(me.id) }, json: { current_password: current, password } }),
      );
      // A new password ends every session, this one's refresh token too: sign in again
      // with it so this tab stays signed in past its access token's few minutes.
      await signIn(me.username, password);
      setCurrent("");
      setPassword("");
      setRepeated("");
      setSaved("Password changed. Your other sessions are signed out.");
    });
  };

  return (
    <form class={form.form} onSubmit={submit} onInput={edited} aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>Password</h3>
      <Field
        label="Current password"
        type="password"
        value={current}
        onInput={setCurrent}
        autoComplete="current-password"
        error={problem.fields.current_password}
      />
      <Field
        label="New password"
        type="password"
        value={password}
        onInput={setPassword}
        autoComplete="new-password"
        maxLength={100}
        error={problem.fields.password}
      />
      <Field
        label="New password again"
        type="password"
        value={repeated}
        onInput={setRepeated}
        autoComplete="new-password"
        maxLength={100}
        error={problem.fields.repeated}
      />
      <div class={form.actions}>
        <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
          Change password
        </button>
      </div>
      <Outcome problem={problem} saved={saved} />
    </form>
  );
}

/** The profile dialog for the signed-in person. */
export function Profile({ me, onChanged, onClose }: ProfileProps) {
  return (
    <Dialog title="Your profile" onClose={onClose}>
      <AvatarEditor
        userId={me.id}
        avatarUrl={me.avatar_url}
        onUploaded={(avatarUrl) => onChanged({ ...me, avatar_url: avatarUrl })}
      />
      <NameForm me={me} onChanged={onChanged} />
      <PasswordForm me={me} />
      <PushSettings />
    </Dialog>
  );
}

export default Profile;
