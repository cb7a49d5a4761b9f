/** A time that ends something by itself (a status, a pause of notifications), with no reload. */
import { useEffect, useState } from "preact/hooks";

/** Longest delay setTimeout keeps (about 24 days); a later end is waited for in steps. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/** Whether `iso` is still ahead; nothing is when it is null. */
export const isAhead = (iso: string | null | undefined, now = Date.now()) => !!iso && Date.parse(iso) > now;

/** Whether `iso` is still ahead, rendering again the moment it passes. */
export function useUntil(iso: string | null | undefined): boolean {
  const [checks, setChecks] = useState(0);
  const ahead = isAhead(iso);
  useEffect(() => {
    if (!ahead || !iso) return;
    const timer = setTimeout(() => setChecks((n) => n + 1), Math.min(Date.parse(iso) - Date.now(), LONGEST_TIMEOUT_MS));
    return () => clearTimeout(timer);
  }, [iso, ahead, checks]);
  return ahead;
}
