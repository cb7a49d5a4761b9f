/**
 * The app's own "are you sure?" for what cannot be undone: a small dialog over the page,
 * focus on Cancel (the safe answer), Escape or the backdrop also cancel.
 */
import { Dialog } from ".";
import form from "./form.module.css";

type ConfirmProps = {
  title: string;
  /** What will happen, in a sentence. */
  message: string;
  /** The button that does it, e.g. "Leave group". */
  action: string;
  onConfirm: () => void;
  onCancel: () => void;
};

export function Confirm({ title, message, action, onConfirm, onCancel }: ConfirmProps) {
  return (
    <Dialog title={title} onClose={onCancel}>
      <p>{message}</p>
      <div class={form.actions}>
        <button type="button" class={form.button} onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class={`${form.button} ${form.danger}`} onClick={onConfirm}>
          {action}
        </button>
      </div>
    </Dialog>
  );
}
