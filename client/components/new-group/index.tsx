/**
 * Creating a group: a title and the people to start it with. The creator is its owner and
 * a member without being picked.
 */
import { useState } from "preact/hooks";
import { answer, api, type Room, type User } from "../../lib/api";
import { useFormAction } from "../../lib/use-form-action";
import { Dialog } from "../dialog";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";
import { PeoplePicker } from "../people-picker";

export type NewGroupProps = {
  /** Called with the new room as the API answered it. */
  onCreated: (room: Room) => void;
  onClose: () => void;
};

/** The "new group" dialog. */
export function NewGroup({ onCreated, onClose }: NewGroupProps) {
  const [title, setTitle] = useState("");
  const [members, setMembers] = useState<User[]>([]);
  const [open, setOpen] = useState(false);
  const { problem, setProblem, busy, run, edited } = useFormAction();

  const submit = (event: Event) => {
    event.preventDefault();
    if (!title.trim()) {
      setProblem({ message: "Give the group a title.", fields: { title: "The title must not be blank." } });
      return;
    }
    void run(async () =>
      onCreated(
        await answer(
          api.rooms.$post({ json: { title: title.trim(), participants: members.map((user) => user.id), open } }),
        ),
      ),
    );
  };

  return (
    <Dialog title="New group" onClose={onClose}>
      <form class={form.form} onSubmit={submit} onInput={edited} noValidate>
        <Field
          label="Title"
          value={title}
          onInput={setTitle}
          maxLength={255}
          required
          autoComplete="off"
          error={problem.fields.title}
        />
        <PeoplePicker label="Add people" chosen={members} onChange={setMembers} />
        {problem.fields.participants && <p class={form.fieldError}>{problem.fields.participants}</p>}
        <label>
          <input type="checkbox" checked={open} onChange={(event) => setOpen(event.currentTarget.checked)} /> Open:
          anyone can find and join it
        </label>
        <div class={form.actions}>
          <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
            Create group
          </button>
          <button type="button" class={form.button} onClick={onClose}>
            Cancel
          </button>
        </div>
        {problem.message && (
          <p role="alert" class={form.alert}>
            {problem.message}
          </p>
        )}
      </form>
    </Dialog>
  );
}

export default NewGroup;
