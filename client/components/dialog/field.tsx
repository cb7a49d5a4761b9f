/**
 * A labelled input with its error beneath it. The error is tied to the input with
 * aria-describedby and marks it aria-invalid, so a screen reader hears what is wrong.
 */
import { useId } from "preact/hooks";
import styles from "./form.module.css";

type FieldProps = {
  label: string;
  error?: string;
  name?: string;
  type?: "text" | "email" | "password" | "search";
  value: string;
  onInput: (value: string) => void;
  autoComplete?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
};

/** One labelled input; `error` (from the API's `fields`, or the form's own check) shows under it. */
export function Field({ label, error, onInput, type = "text", ...input }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div class={styles.field}>
      <label for={id}>{label}</label>
      <input
        {...input}
        id={id}
        // Preact's input types are one per literal type; any of ours is a text-like input.
        type={type as "text"}
        onInput={(event) => onInput(event.currentTarget.value)}
        class={styles.input}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      {error && (
        <p id={errorId} class={styles.fieldError}>
          {error}
        </p>
      )}
    </div>
  );
}
