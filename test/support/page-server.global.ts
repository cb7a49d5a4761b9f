/**
 * A real HTTP server on loopback playing the pages people link to, for the link preview
 * tests in workerd: a page with OpenGraph tags, one with a Twitter card, one with only a
 * <title>, redirects (to itself and to private addresses), one that never answers, one
 * that never ends, and one that is not HTML; and the pictures pages name: a real PNG, one
 * at a private address, one behind a redirect to the metadata address, an HTML page that
 * says it is a PNG, and a PNG too big to keep. The tests reach it only because their config
 * sets PREVIEW_ALLOW_LOOPBACK, which wrangler.toml never does.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

/** A preview title full of markup: it must show as text. */
export const PAYLOAD_TITLE = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;

/** A real 2×1 PNG, which a preview's picture is judged to be from its bytes. */
export const PICTURE_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGP4z8DAwPAfAAcAAf9+CLHQAAAAAElFTkSuQmCC";
const PICTURE = Buffer.from(PICTURE_BASE64, "base64");
/** What the too-big picture is: a PNG header and then more bytes than a preview keeps (5 MiB). */
const HUGE_PICTURE_BYTES = 6 * 1024 * 1024;

const html = (head: string) => `<!doctype html><html><head>${head}</head><body><p>Hello</p></body></html>`;

const PAGES: Record<string, string> = {
  "/og": html(`<title>Plain title</title>
    <meta property="og:title" content="Lunch &amp; Learn">
    <meta property="og:description" content="Every Friday,   in the big room.">
    <meta property="og:image" content="/picture.png">
    <meta property="og:site_name" content="Office">`),
  "/twitter": html(
    `<meta name="twitter:title" content="Card title"><meta name="twitter:description" content="Card text">`,
  ),
  "/og/private-picture": html(`<meta property="og:title" content="Private picture">
    <meta property="og:image" content="http://10.0.0.1/picture.png">`),
  "/og/metadata-picture": html(`<meta property="og:title" content="Metadata picture">
    <meta property="og:image" content="/to-metadata">`),
  "/og/fake-picture": html(`<meta property="og:title" content="Fake picture">
    <meta name="twitter:image" content="/fake.png">`),
  "/og/huge-picture": html(`<meta property="og:title" content="Huge picture">
    <meta property="og:image" content="/huge.png">`),
  "/title": html("<title>\n  Only a title  </title>"),
  "/payload": html(`<meta property="og:title" content="${PAYLOAD_TITLE.replaceAll('"', "&quot;")}">`),
  "/long": html(
    `<meta property="og:title" content="${"t".repeat(500)}"><meta name="description" content="${"d".repeat(2000)}">`,
  ),
};

export default async function setup(project: TestProject) {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    if (PAGES[path]) return response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGES[path]);
    const hops = /^\/hops\/(\d+)$/.exec(path);
    if (hops) {
      const left = Number(hops[1]);
      return left === 0
        ? response.writeHead(302, { location: "/og" }).end()
        : response.writeHead(302, { location: `/hops/${left - 1}` }).end();
    }
    if (path === "/to-metadata")
      return response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    if (path === "/to-private") return response.writeHead(301, { location: "http://10.0.0.1/" }).end();
    if (path === "/picture.png") return response.writeHead(200, { "content-type": "image/png" }).end(PICTURE);
    if (path === "/fake.png")
      return response.writeHead(200, { "content-type": "image/png" }).end(html("<script>alert(1)</script>"));
    if (path === "/huge.png") {
      // No content-length: the cap is found while reading.
      response.writeHead(200, { "content-type": "image/png" });
      response.write(PICTURE);
      return response.end(Buffer.alloc(HUGE_PICTURE_BYTES));
    }
    if (path === "/json") return response.writeHead(200, { "content-type": "application/json" }).end('{"title":"x"}');
    if (path === "/slow") return void response.writeHead(200, { "content-type": "text/html" });
    if (path === "/endless") {
      response.writeHead(200, { "content-type": "text/html" });
      response.write("<html><head><title>Endless</title></head><body>");
      const chunk = "x".repeat(64 * 1024);
      const more = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once("drain", more);
      };
      return more();
    }
    response.writeHead(404, { "content-type": "text/html" }).end("<title>Not found</title>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("pageServer", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
}
