/**
 * What every form that calls the API does on submit: busy while the call runs, the API's
 * refusal shown as a problem (sentence and fields), the problem cleared once it goes through.
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
  return { problem, setProblem, busy, run };
}
