/**
 * Searching people as someone types: one request once typing pauses, by email when the
 * words look like one and by name otherwise; an answer to older words that arrives late
 * never replaces the newer one.
 */
import { useEffect, useState } from "preact/hooks";
import { answer, api, type User } from "./api";
import { useDebounced } from "./use-debounced";

/** How long typing must pause before the search goes out. */
const SEARCH_DELAY_MS = 250;

/**
 * The people matching `query`. `searching` is true while the words on screen have not been
 * answered yet; `problem` says why the last search failed.
 */
export function usePeopleSearch(query: string) {
  const wanted = useDebounced(query.trim(), SEARCH_DELAY_MS);
  const [found, setFound] = useState<{ query: string; people: User[] }>({ query: "", people: [] });
  const [problem, setProblem] = useState("");
  useEffect(() => {
    if (!wanted) return setFound({ query: "", people: [] });
    let current = true;
    const search = wanted.includes("@") ? { email: wanted } : { full_name: wanted };
    answer(api.profiles.get_available_users.$get({ query: search })).then(
      (people) => {
        if (!current) return;
        setFound({ query: wanted, people });
        setProblem("");
      },
      (err: Error) => current && setProblem(err.message),
    );
    return () => {
      current = false;
    };
  }, [wanted]);
  return { ...found, searching: query.trim() !== "" && query.trim() !== found.query && !problem, problem };
}
