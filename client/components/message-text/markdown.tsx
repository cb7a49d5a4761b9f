/**
 * The Markdown people type in chat: bold, italic, strike, inline code, code blocks,
 * quotes, lists and links. The text is cut into tokens by marked's lexer and each token
 * becomes a Preact element here; nothing is ever parsed as HTML, so headings, images,
 * tables and markup show as the characters that were typed. Loaded on demand by index.tsx.
 */
import { Lexer, type Token, type Tokens } from "marked";
import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";
import { linkedMessage, openMessageLink } from "../../lib/message-links";
import { safeHref } from "./address";
import { CodeBlock } from "./code-block";
import { MentionedText, type MentionNames, Mentions } from "./mentions";
import styles from "./message-text.module.css";

/** A link to a message of this app opens it in place; any other opens in a new tab. */
function Link({ url, children }: { url: URL; children: ComponentChildren }) {
  const message = url.origin === location.origin ? linkedMessage(url.pathname) : null;
  return (
    <a
      href={url.href}
      target="_blank"
      rel="noopener noreferrer nofollow"
      onClick={(event) => {
        if (!message || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        openMessageLink(message.room, message.message);
      }}
    >
      {children}
    </a>
  );
}

const inline = (tokens: Token[] | undefined) => tokens?.map(renderToken);

function renderToken(token: Token, key: number): ComponentChildren {
  switch (token.type) {
    case "paragraph":
      return <p key={key}>{inline(token.tokens)}</p>;
    case "text":
      return token.tokens ? inline(token.tokens) : <MentionedText key={key} text={token.text} />;
    case "escape":
      return token.text;
    case "strong":
      return <strong key={key}>{inline(token.tokens)}</strong>;
    case "em":
      return <em key={key}>{inline(token.tokens)}</em>;
    case "del":
      return <del key={key}>{inline(token.tokens)}</del>;
    case "codespan":
      return (
        <code key={key} class={styles.inlineCode}>
          {token.text}
        </code>
      );
    case "br":
      return <br key={key} />;
    case "code": {
      const code = token as Tokens.Code;
      return <CodeBlock key={key} code={code.text} language={code.lang?.split(/\s/)[0] ?? ""} />;
    }
    case "blockquote":
      return (
        <blockquote key={key} class={styles.quote}>
          {inline(token.tokens)}
        </blockquote>
      );
    case "list": {
      const list = token as Tokens.List;
      const items = list.items.map((item, i) => <li key={i}>{inline(item.tokens)}</li>);
      return list.ordered ? (
        <ol key={key} class={styles.list} start={typeof list.start === "number" ? list.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key} class={styles.list}>
          {items}
        </ul>
      );
    }
    case "link": {
      const url = safeHref(token.href);
      return url ? (
        <Link key={key} url={url}>
          {inline(token.tokens)}
        </Link>
      ) : (
        token.raw
      );
    }
    case "space":
      return null;
    default:
      // Headings, images, tables, rules, raw HTML and link definitions: the characters typed.
      return block(token) ? (
        <p key={key} class={styles.literal}>
          {token.raw.trimEnd()}
        </p>
      ) : (
        token.raw
      );
  }
}

/** Tokens that stand as a block of their own, so their literal text needs its own paragraph. */
const block = (token: Token) =>
  ["heading", "table", "hr", "def"].includes(token.type) || (token.type === "html" && token.block);

/** The text as Markdown, rendered as elements, its mentions marked. */
export function Markdown({ text, mentions }: { text: string; mentions?: MentionNames }) {
  const tokens = useMemo(() => Lexer.lex(text, { gfm: true }), [text]);
  return (
    <Mentions.Provider value={mentions}>
      <div class={styles.markdown}>{tokens.map(renderToken)}</div>
    </Mentions.Provider>
  );
}
