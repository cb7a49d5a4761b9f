/**
 * Code highlighting for the languages teams paste most, loaded on demand by code-block.tsx.
 * lowlight gives highlight.js's result as a tree, which is reduced here to spans with
 * class names and text, so no markup from anywhere ever reaches the page.
 */

import type { ElementContent } from "hast";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import ruby from "highlight.js/lib/languages/ruby";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { createLowlight } from "lowlight";

export type Highlighted = (
  | { type: "text"; value: string }
  | { type: "span"; classes: string; children: Highlighted }
)[];

const lowlight = createLowlight({
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  python,
  ruby,
  rust,
  sql,
  typescript,
  xml,
  yaml,
});
lowlight.registerAlias({
  bash: ["sh", "shell", "zsh"],
  cpp: ["c++"],
  javascript: ["js", "jsx", "mjs"],
  python: ["py"],
  ruby: ["rb"],
  rust: ["rs"],
  typescript: ["ts", "tsx"],
  xml: ["html", "svg"],
  yaml: ["yml"],
});

const simplify = (nodes: ElementContent[]): Highlighted =>
  nodes.flatMap((node): Highlighted => {
    if (node.type === "text") return [{ type: "text", value: node.value }];
    if (node.type !== "element") return [];
    const names = node.properties.className;
    const classes = Array.isArray(names) ? names.filter((name) => /^hljs-[\w-]+$/.test(String(name))).join(" ") : "";
    return [{ type: "span", classes, children: simplify(node.children) }];
  });

/** The code highlighted as `language`, or null for a language it does not know. */
export function highlight(code: string, language: string): Highlighted | null {
  const name = language.toLowerCase();
  if (!lowlight.registered(name)) return null;
  return simplify(lowlight.highlight(name, code).children as ElementContent[]);
}
