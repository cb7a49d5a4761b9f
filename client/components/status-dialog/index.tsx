/**
 * Setting my status: one emoji and a short text, picked from a few presets or written, and
 * how long it lasts; or clearing it. The server checks both (one emoji, 100 characters)
 * and its refusal shows under the field it is about.
 */
import { useState } from "preact/hooks";
import { MAX_STATUS_TEXT } from "../../../core/protocol-constants";
import { answer, api, type User } from "../../lib/api";
import { STATUS_LENGTHS, STATUS_PRESETS, type StatusLength, statusEnd, statusOf } from "../../lib/status";
import { useFormAction } from "../../lib/use-form-action";
import { Dialog } from "../dialog";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";
import styles from "./status-dialog.module.css";

type StatusDialogProps = {
  me: User;
  /** Called with my profile as the API answered the change. */
  onChanged: (me: User) => void;
  onClose: () => void;
};

export function StatusDialog({ me, onChanged, onClose }: StatusDialogProps) {
  const current = statusOf(me);
  const [emoji, setEmoji] = useState(current?.emoji ?? "");
  const [text, setText] = useState(current?.text ?? "");
  const [lasts, setLasts] = useState<StatusLength>("never");
  const { problem, busy, run, edited } = useFormAction();

  const change = (json: { status_emoji: string; status_text: string; status_until?: string | null }) =>
    run(async () => {
      onChanged(await answer(api.profiles[":id"].$patch({ param: { id: String(me.id) }, json })));
      onClose();
    });

  const submit = (event: Event) => {
    event.preventDefault();
    void change({ status_emoji: emoji.trim(), status_text: text, status_until: statusEnd(lasts) });
  };

  return (
    <Dialog title="Set a status" onClose={onClose}>
      <form class={form.form} onSubmit={submit} onInput={edited} noValidate>
        <fieldset class={styles.presets}>
          <legend>Suggestions</legend>
          {STATUS_PRESETS.map((preset) => (
            <button
              key={preset.text}
              type="button"
              class={form.button}
              onClick={() => {
                setEmoji(preset.emoji);
                setText(preset.text);
                setLasts(preset.lasts);
              }}
            >
              <span aria-hidden="true">{preset.emoji}</span> {preset.text}
            </button>
          ))}
        </fieldset>
        <div class={styles.row}>
          <div class={styles.emoji}>
            <Field
              label="Emoji"
              name="status_emoji"
              value={emoji}
              onInput={setEmoji}
              maxLength={32}
              autoComplete="off"
              error={problem.fields.status_emoji}
            />
          </div>
          <Field
            label="Status"
            name="status_text"
            value={text}
            onInput={setText}
            maxLength={MAX_STATUS_TEXT}
            autoComplete="off"
            error={problem.fields.status_text}
          />
        </div>
        <label class={form.field}>
          Clear after
          <select
            class={form.input}
            name="status_until"
            value={lasts}
            onChange={(event) => setLasts(event.currentTarget.value as StatusLength)}
          >
            {Object.entries(STATUS_LENGTHS).map(([length, label]) => (
              <option key={length} value={length}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {problem.fields.status_until && <p class={form.fieldError}>{problem.fields.status_until}</p>}
        <div class={form.actions}>
          <button type="submit" class={`${form.button} ${form.primary}`} disabled={busy}>
            Save
          </button>
          {current && (
            <button
              type="button"
              class={form.button}
              disabled={busy}
              onClick={() => void change({ status_emoji: "", status_text: "" })}
            >
              Clear status
            </button>
          )}
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

export default StatusDialog;
