/**
 * A value that follows another only once it has stopped changing for a while: a search
 * box asks the server when the person pauses, not on every key.
 */
import { useEffect, useState } from "preact/hooks";

export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
