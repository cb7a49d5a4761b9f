/**
 * Searching messages as someone types: one request once typing pauses, further pages when
 * asked for, and an answer to older words that arrives late never replaces the newer one.
 */
import type { InferResponseType } from "hono/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, answer, api } from "./api";
import { useDebounced } from "./use-debounced";

export type SearchResult = InferResponseType<typeof api.search.$get, 200>["results"][number];

/** How long typing must pause before the search goes out. */
const SEARCH_DELAY_MS = 300;

type Found = { query: string; results: SearchResult[]; next: string | null; problem: string };
const NOTHING: Found = { query: "", results: [], next: null, problem: "" };

/** What to tell the person: what is wrong with their words, or why the search failed. */
const problemOf = (err: Error) => (err instanceof ApiError && err.fields?.q) || err.message;

/**
 * The messages matching `query`, newest first. `searching` is true while the words on
 * screen have not been answered yet; `more` reads the next page, when `hasMore`.
 */
export function useMessageSearch(query: string) {
  const wanted = useDebounced(query.trim(), SEARCH_DELAY_MS);
  const [found, setFound] = useState<Found>(NOTHING);
  const [loadingMore, setLoadingMore] = useState(false);
  /** The query whose answers may still land: any other's are late. */
  const current = useRef("");

  useEffect(() => {
    current.current = wanted;
    setLoadingMore(false);
    if (!wanted) return setFound(NOTHING);
    answer(api.search.$get({ query: { q: wanted } })).then(
      (page) => current.current === wanted && setFound({ query: wanted, ...page, problem: "" }),
      (err: Error) => current.current === wanted && setFound({ ...NOTHING, query: wanted, problem: problemOf(err) }),
    );
  }, [wanted]);

  const more = () => {
    const { query: asked, next } = found;
    if (!next || loadingMore) return;
    setLoadingMore(true);
    answer(api.search.$get({ query: { q: asked, cursor: next } })).then(
      (page) => {
        if (current.current !== asked) return;
        setFound((before) => ({ ...before, results: [...before.results, ...page.results], next: page.next }));
        setLoadingMore(false);
      },
      (err: Error) => {
        if (current.current !== asked) return;
        setFound((before) => ({ ...before, problem: problemOf(err) }));
        setLoadingMore(false);
      },
    );
  };

  const searching = query.trim() !== "" && query.trim() !== found.query;
  return { ...found, searching, hasMore: found.next !== null, loadingMore, more };
}
