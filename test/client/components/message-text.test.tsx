import { render, screen, waitFor } from "@testing-library/preact";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMarkdown, MessageText } from "../../../client/components/message-text";

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
