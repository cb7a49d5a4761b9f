/**
 * The people a conversation names: its participants, and anyone else whose messages it
 * shows (someone who has left keeps their name and picture on what they wrote). Those are
 * looked up by id once a page load, shared by every conversation.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { answer, api, type User } from "./api";

/** Everyone looked up so far; null while their answer is out, or when there was none. */
const lookedUp = new Map<number, User | null>();
const listeners = new Set<() => void>();

function lookUp(id: number) {
  if (lookedUp.has(id)) return;
  lookedUp.set(id, null);
  answer(api.profiles[":id"].$get({ param: { id: String(id) } })).then(
    (user) => {
      lookedUp.set(id, user);
      for (const listener of listeners) listener();
    },
    // Left as null: the name stays "Someone" rather than asking again on every render.
    () => undefined,
  );
}

/** The participants by id, with the people of `ids` who are not among them once looked up. */
export function usePeople(participants: User[], ids: number[]): Map<number, User> {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const changed = () => setVersion((v) => v + 1);
    listeners.add(changed);
    return () => void listeners.delete(changed);
  }, []);
  const missing = ids.filter((id) => !participants.some((user) => user.id === id));
  const missingKey = [...new Set(missing)].sort((a, b) => a - b).join(",");
  useEffect(() => {
    for (const id of new Set(missing)) lookUp(id);
  }, [missingKey]);
  return useMemo(() => {
    const people = new Map(participants.map((user) => [user.id, user]));
    for (const id of missingKey ? missingKey.split(",").map(Number) : []) {
      const user = lookedUp.get(id);
      if (user) people.set(id, user);
    }
    return people;
  }, [participants, missingKey, version]);
}
