import { render, screen, waitFor } from "@testing-library/preact";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MessageItem } from "../../../client/components/conversation/message-item";
import { loadMarkdown, MessageText, mentionNamesOf } from "../../../client/components/message-text";
import { aUser } from "../support/people";

/** Renders once the Markdown renderer is there, as every message after the first load does. */
const show = (text: string) => render(<MessageText text={text} />).container;

beforeAll(async () => {
  await loadMarkdown();
});

describe("MessageText formatting", () => {
  it("shows bold, italic, strike and inline code", () => {
    const box = show("**bold** _italic_ *also* ~~gone~~ `a < b`");
    expect(box.querySelector("strong")?.textContent).toBe("bold");
    expect([...box.querySelectorAll("em")].map((em) => em.textContent)).toEqual(["italic", "also"]);
    expect(box.querySelector("del")?.textContent).toBe("gone");
    expect(box.querySelector("code")?.textContent).toBe("a < b");
  });

  it("keeps a code block's lines and indentation, plain until the highlighter has loaded", async () => {
    const code = "function f() {\n    if (a < b) return '<b>';\n}";
    const box = show(`look:\n\n\`\`\`js\n${code}\n\`\`\``);
    const block = box.querySelector("pre > code")!;
    expect(block.textContent).toBe(code);
    await waitFor(() => expect(block.querySelector("span.hljs-keyword")).not.toBeNull());
    expect(block.textContent).toBe(code);
    expect(block.querySelector("b")).toBeNull();
  });

  it("leaves a block in a language it does not know, or none, as plain code", () => {
    const box = show("```\n  <script>x</script>\n```\n\n```klingon\nqapla'\n```");
    const blocks = [...box.querySelectorAll("pre > code")];
    expect(blocks.map((block) => block.textContent)).toEqual(["  <script>x</script>", "qapla'"]);
    expect(box.querySelector("script, span")).toBeNull();
  });

  it("shows quotes and lists", () => {
    const box = show("> said before\n\n- one\n- two\n\n3. three\n4. four");
    expect(box.querySelector("blockquote")?.textContent).toBe("said before");
    expect([...box.querySelectorAll("ul > li")].map((li) => li.textContent)).toEqual(["one", "two"]);
    const ordered = box.querySelector("ol")!;
    expect(ordered.getAttribute("start")).toBe("3");
    expect(ordered.querySelectorAll("li")).toHaveLength(2);
  });

  it("links Markdown links, bare addresses, www. and email addresses, opening safely in a new tab", () => {
    show("[the menu](https://example.com/menu) or https://example.com/x?y=1. www.example.org mail ana@example.com");
    const links = screen.getAllByRole("link") as HTMLAnchorElement[];
    expect(links.map((link) => [link.textContent, link.getAttribute("href")])).toEqual([
      ["the menu", "https://example.com/menu"],
      ["https://example.com/x?y=1", "https://example.com/x?y=1"],
      ["www.example.org", "http://www.example.org/"],
      ["ana@example.com", "mailto:ana@example.com"],
    ]);
    for (const link of links) {
      expect(link.target).toBe("_blank");
      expect(link.rel).toBe("noopener noreferrer nofollow");
    }
  });

  it("shows headings, images, rules and tables as the characters typed", () => {
    const text = "# Not a heading\n\n![cat](https://example.com/cat.png)\n\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |";
    const box = show(text);
    expect(box.querySelector("h1, img, hr, table")).toBeNull();
    expect(box.textContent).toContain("# Not a heading");
    expect(box.textContent).toContain("![cat](https://example.com/cat.png)");
    expect(box.textContent).toContain("| a | b |");
  });

  it("opens a link to a message of the app in place, without a new tab", () => {
    show(`see ${location.origin}/rooms/4/messages/9`);
    const link = screen.getByRole("link");
    link.click();
    expect(location.pathname).toBe("/rooms/4/messages/9");
    history.replaceState(null, "", "/");
  });
});

describe("MessageText against markup", () => {
  it.each([
    ["a javascript: link", "[x](javascript:alert(1))", "[x](javascript:alert(1))"],
    ["a data: link", "[x](data:text/html,<script>alert(1)</script>)", "[x](data:text/html,<script>alert(1)</script>)"],
    ["an image with a handler", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"],
    ["inline HTML", "hi <b onclick=alert(1)>there</b>", "hi <b onclick=alert(1)>there</b>"],
    ["a script", "<script>window.__pwned=1</script>", "<script>window.__pwned=1</script>"],
    ["an autolink of another scheme", "<javascript:alert(1)>", "<javascript:alert(1)>"],
  ])("shows %s as inert text", (_name, text, shown) => {
    const box = show(text);
    expect(box.textContent).toBe(shown);
    expect(box.querySelector("a, img, b, script")).toBeNull();
  });

  it("shows HTML in a highlighted code block as text", async () => {
    const box = show("```html\n<img src=x onerror=alert(1)><script>alert(2)</script>\n```");
    await waitFor(() => expect(box.querySelector("span.hljs-tag")).not.toBeNull());
    expect(box.querySelector("code")?.textContent).toBe("<img src=x onerror=alert(1)><script>alert(2)</script>");
    expect(box.querySelector("img, script")).toBeNull();
  });
});

describe("MessageText mentions", () => {
  const names = { named: ["Ana", "bob"], me: "ana", mentionsMe: true };
  const marked = (box: Element) => [...box.querySelectorAll("mark, span")].map((el) => [el.tagName, el.textContent]);

  it("marks only the mentions themselves, mine most, as the room matched them", () => {
    const box = render(
      <MessageText text="hi @ana. and @Bob, not @carl nor me@ana.example" mentions={names} />,
    ).container;
    expect(marked(box)).toEqual([
      ["MARK", "@ana"],
      ["SPAN", "@Bob"],
    ]);
    expect(box.textContent).toBe("hi @ana. and @Bob, not @carl nor me@ana.example");
    expect(box.querySelector("p")?.className ?? "").not.toMatch(/mention/i);
  });

  it("marks @here as mine when it reached me, inside formatting too, never inside code", () => {
    const box = render(
      <MessageText text="**@here** look, `@ana` in code" mentions={{ named: [], mentionsMe: true }} />,
    ).container;
    expect(box.querySelector("strong > mark")?.textContent).toBe("@here");
    expect(box.querySelector("code")?.textContent).toBe("@ana");
    expect(box.querySelector("code mark, code span")).toBeNull();
  });

  it("marks nothing in a message without mentions, and keeps a payload of a name as text", () => {
    expect(show("@ana hello").querySelector("mark, span")).toBeNull();
    const payload = `@ana<img src=x onerror="window.__pwned=1">`;
    const box = render(<MessageText text={payload} mentions={names} />).container;
    expect(box.querySelector("img")).toBeNull();
    expect(box.querySelector("mark")?.textContent).toBe("@ana");
  });
});

describe("mentionNamesOf", () => {
  it("names the mentioned members and says whether I am one", () => {
    const usernames = new Map([
      [1, "ana"],
      [2, "bob"],
    ]);
    const lookUp = (id: number) => usernames.get(id);
    expect(mentionNamesOf([2, 1], 1, lookUp)).toEqual({ named: ["bob", "ana"], me: "ana", mentionsMe: true });
    expect(mentionNamesOf([2, 9], 1, lookUp)).toEqual({ named: ["bob"], mentionsMe: false });
    expect(mentionNamesOf(undefined, 1, lookUp)).toBeUndefined();
  });
});

describe("a message that mentions me", () => {
  it("is marked at its side and says so to a screen reader, while only my @name is highlighted in its text", () => {
    const people = new Map([
      [1, aUser({ id: 1, username: "ana" })],
      [2, aUser({ id: 2, username: "bob" })],
    ]);
    const message = {
      id: 3,
      room: 1,
      sender: 2,
      timestamp: "2026-01-01T12:00:00.000Z",
      content: "@ana can you look? thanks",
      edited_at: null,
      deleted: false,
      mentions: [1],
    };
    const { container } = render(
      <ol>
        <MessageItem
          message={message}
          sender={people.get(2)}
          mine={false}
          first
          seenBy={[]}
          onEdit={vi.fn()}
          onDelete={vi.fn()}
          me={1}
          people={people}
        />
      </ol>,
    );
    expect(screen.getByText("Mentions you:")).toBeTruthy();
    expect(container.querySelector("mark")?.textContent).toBe("@ana");
    expect(container.querySelector("[data-message-text] mark")?.parentElement?.textContent).toBe(
      "@ana can you look? thanks",
    );
  });
});
