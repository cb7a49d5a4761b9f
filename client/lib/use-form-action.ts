/**
 * What every form that calls the API does on submit: busy while the call runs, the API's
 * refusal shown as a problem (sentence and fields), the problem cleared once it goes through,
 * and an error taken away as soon as the person edits what it was about.
 */
import { useState } from "preact/hooks";
import { noProblem, type Problem, problemOf } from "../components/dialog/problem";

export function useFormAction() {
  const [problem, setProblem] = useState<Problem>(noProblem);
  const [busy, setBusy] = useState(false);
  /** Runs `action`; its errors become the form's problem. */
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
      setProblem(noProblem);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };
  /**
   * For the form's onInput: an edit answers the sentence, and the error of the field edited
   * (by its name; every field's when it has none).
   */
  const edited = (event: Event) => {
    const name = (event.target as HTMLInputElement | null)?.name;
    setProblem((current) => {
      if (current === noProblem) return current;
      const fields = name ? Object.fromEntries(Object.entries(current.fields).filter(([field]) => field !== name)) : {};
      return { message: "", fields };
    });
  };
  return { problem, setProblem, busy, run, edited };
}
