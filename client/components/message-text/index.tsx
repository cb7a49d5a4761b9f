/**
 * A message's text, formatted as the Markdown it was typed in. The parser is fetched on
 * demand so that it stays out of the first load; until it is there, the text shows as it
 * did before formatting, plain with its addresses as links.
 */
import { useEffect, useState } from "preact/hooks";
import { LinkedText } from "../linked-text";
import type { MentionNames } from "./mentions";

export { type MentionNames, mentionNamesOf } from "./mentions";

type MarkdownModule = typeof import("./markdown");

let loaded: MarkdownModule | null = null;
let loading: Promise<MarkdownModule> | undefined;

/** Fetches the Markdown renderer once; a failed fetch is tried again by the next message shown. */
export function loadMarkdown(): Promise<MarkdownModule> {
  loading ??= import("./markdown").then(
    (module) => (loaded = module),
    (err) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** `mentions`: who the message mentions, so that those `@name`s (and mine most) are marked. */
export function MessageText({ text, mentions }: { text: string; mentions?: MentionNames }) {
  const [module, setModule] = useState(loaded);
  useEffect(() => {
    if (!module) loadMarkdown().then(setModule, () => {});
  }, []);
  return module ? <module.Markdown text={text} mentions={mentions} /> : <LinkedText text={text} />;
}
