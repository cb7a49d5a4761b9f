/**
 * A fenced or indented code block: its lines as typed, in a box that scrolls sideways.
 * A block that names a language is highlighted once the highlighter has loaded; it is
 * fetched only when the first such block is shown, and the plain code shows until then.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Highlighted } from "./highlight";
import styles from "./message-text.module.css";

type Highlighter = typeof import("./highlight");

let highlighter: Promise<Highlighter> | undefined;
const loadHighlighter = () => {
  highlighter ??= import("./highlight");
  highlighter.catch(() => {
    highlighter = undefined;
  });
  return highlighter;
};

/** The highlighter's tree as elements: only spans with its class names, and text. */
function renderTree(nodes: Highlighted): ComponentChildren {
  return nodes.map((node, i) =>
    node.type === "text" ? (
      node.value
    ) : (
      <span key={i} class={node.classes}>
        {renderTree(node.children)}
      </span>
    ),
  );
}

export function CodeBlock({ code, language }: { code: string; language: string }) {
  const [highlighted, setHighlighted] = useState<Highlighted | null>(null);
  useEffect(() => {
    setHighlighted(null);
    if (!language) return;
    let current = true;
    loadHighlighter().then(
      (module) => current && setHighlighted(module.highlight(code, language)),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [code, language]);
  return (
    <pre class={styles.codeBlock} data-language={language || undefined}>
      <code>{highlighted ? renderTree(highlighted) : code}</code>
    </pre>
  );
}
