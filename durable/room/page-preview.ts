/**
 * Fetches one page for a link preview and reads its OpenGraph, Twitter card and <title>
 * metadata. Every hop is judged by core/link-previews/public-address.ts first: the host's
 * own address when it is one, else every A and AAAA answer of a DNS-over-HTTPS lookup.
 * Workers cannot pin fetch() to the address that was checked, so a name whose DNS changes
 * between the lookup and the fetch could still slip through; the lookup narrows that to a
 * race, and workerd itself refuses to fetch private addresses in production.
 */

import { DOWNLOAD_TYPE, JUDGED_BYTES, judge } from "../../core/image-bytes";
import { isPublicAddress, judgeHost } from "../../core/link-previews/public-address";
import type { LinkPreview } from "../../core/protocol";

export const PAGE_LIMITS = {
  /** The whole fetch, redirects and body included. */
  timeoutMs: 5_000,
  maxBytes: 1024 * 1024,
  maxRedirects: 5,
  title: 300,
  description: 1000,
  siteName: 300,
  /** A preview's picture, which is kept as one of the room's files. */
  maxImageBytes: 5 * 1024 * 1024,
};

const USER_AGENT = "CondorChat-LinkPreview/1";

/** What a page says of itself, with the address of the picture it names, if any, still to be fetched. */
export type FoundPreview = LinkPreview & { image_source?: string };

export type PageFetchOptions = { allowLoopback?: boolean; timeoutMs?: number };

const DNS_OVER_HTTPS = "https://cloudflare-dns.com/dns-query";

/** Whether every address `name` resolves to is public (and it resolves to at least one). */
async function resolvesPublic(name: string, signal: AbortSignal): Promise<boolean> {
  const answers = await Promise.all(
    ["A", "AAAA"].map(async (type) => {
      const url = `${DNS_OVER_HTTPS}?name=${encodeURIComponent(name)}&type=${type}`;
      const answer = await fetch(url, { headers: { accept: "application/dns-json" }, signal });
      if (!answer.ok) throw new Error(`DNS answered ${answer.status}`);
      const body = (await answer.json()) as { Answer?: { type: number; data: string }[] };
      return (body.Answer ?? []).filter((record) => record.type === 1 || record.type === 28).map((r) => r.data);
    }),
  );
  const addresses = answers.flat();
  return addresses.length > 0 && addresses.every(isPublicAddress);
}

/** Whether the preview may fetch `url`. */
export async function mayFetch(url: URL, signal: AbortSignal, allowLoopback = false): Promise<boolean> {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const verdict = judgeHost(url.hostname, allowLoopback);
  if (verdict.kind === "address") return verdict.public;
  if (verdict.kind === "refused") return false;
  return resolvesPublic(verdict.name, signal);
}

/** The body's first `max` bytes at most: the metadata is in the page's head, and the rest is never read. */
export async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - size;
    chunks.push(value.byteLength > room ? value.subarray(0, room) : value);
    size += Math.min(value.byteLength, room);
    if (size >= max) {
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
/** HTMLRewriter hands attribute values and text as written: entities are decoded here. */
const decodeEntities = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? whole;
    const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });

const tidy = (text: string | undefined, max: number) => {
  const clean = text && decodeEntities(text).replace(/\s+/g, " ").trim();
  return clean ? clean.slice(0, max) : null;
};

/**
 * The metadata of an HTML page; `base`, where the page was found in the end, is what a
 * relative picture address is read against.
 */
export async function readMetadata(html: Uint8Array, url: string, base = url): Promise<FoundPreview | null> {
  const meta = new Map<string, string>();
  let title = "";
  let inTitle = false;
  const rewriter = new HTMLRewriter()
    .on("meta", {
      element(element) {
        const key = (element.getAttribute("property") ?? element.getAttribute("name"))?.toLowerCase();
        const content = element.getAttribute("content");
        if (key && content !== null && !meta.has(key)) meta.set(key, content);
      },
    })
    .on("title", {
      element() {
        inTitle = !title;
      },
      text(chunk) {
        if (inTitle) title += chunk.text;
        if (chunk.lastInTextNode) inTitle = false;
      },
    });
  await rewriter.transform(new Response(html)).arrayBuffer();
  const first = (...keys: string[]) => keys.map((key) => meta.get(key)).find((value) => value?.trim());
  const preview: FoundPreview = {
    url,
    title: tidy(first("og:title", "twitter:title") ?? title, PAGE_LIMITS.title),
    description: tidy(first("og:description", "twitter:description", "description"), PAGE_LIMITS.description),
    // Filled in by the room once the picture is its own file: a page's address is never shown.
    image_url: null,
    site_name: tidy(first("og:site_name", "twitter:site"), PAGE_LIMITS.siteName),
  };
  const image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src");
  const source =
    image && URL.canParse(decodeEntities(image.trim()), base) && new URL(decodeEntities(image.trim()), base);
  if (source && (source.protocol === "http:" || source.protocol === "https:")) preview.image_source = source.href;
  return preview.title || preview.description ? preview : null;
}

/**
 * The answer at `url` once every hop has passed the guard, following at most
 * PAGE_LIMITS.maxRedirects redirects, with where it was found; null when a hop may not be
 * fetched or there are too many.
 */
async function guardedFetch(url: URL, accept: string, signal: AbortSignal, allowLoopback?: boolean) {
  for (let hop = 0; hop <= PAGE_LIMITS.maxRedirects; hop++) {
    if (!(await mayFetch(url, signal, allowLoopback))) return null;
    const answer = await fetch(url, { redirect: "manual", signal, headers: { accept, "user-agent": USER_AGENT } });
    const location = answer.headers.get("location");
    if (answer.status >= 300 && answer.status < 400 && location) {
      await answer.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    return { answer, url };
  }
  return null;
}

/**
 * The preview of the page at `link`, or null when it may not be fetched, is not HTML, is
 * too big or too slow, or says nothing about itself.
 */
export async function fetchPreview(link: string, options: PageFetchOptions = {}): Promise<FoundPreview | null> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? PAGE_LIMITS.timeoutMs);
  try {
    const found = await guardedFetch(new URL(link), "text/html", signal, options.allowLoopback);
    if (!found) return null;
    const { answer } = found;
    const type = answer.headers.get("content-type") ?? "";
    if (!answer.ok || !answer.body || !/^text\/html\b/i.test(type)) {
      await answer.body?.cancel();
      return null;
    }
    const html = await readCapped(answer.body, PAGE_LIMITS.maxBytes);
    return await readMetadata(html, link, found.url.href);
  } catch {
    // Unreachable, refused by DNS, timed out, malformed: no preview, nothing else changes.
    return null;
  }
}

/** A preview's picture, fetched: its bytes and what they were judged to be. */
export type FetchedImage = { bytes: Uint8Array; content_type: string; width: number; height: number };

/**
 * The picture at `source` through the same guard as pages, or null when it may not be
 * fetched, is bigger than PAGE_LIMITS.maxImageBytes, or is not a JPEG, PNG, GIF or WebP
 * by its bytes (whatever its answer says it is).
 */
export async function fetchImage(source: string, options: PageFetchOptions = {}): Promise<FetchedImage | null> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? PAGE_LIMITS.timeoutMs);
  try {
    const answer = (await guardedFetch(new URL(source), "image/*", signal, options.allowLoopback))?.answer;
    if (!answer) return null;
    if (!answer.ok || !answer.body || Number(answer.headers.get("content-length")) > PAGE_LIMITS.maxImageBytes) {
      await answer.body?.cancel();
      return null;
    }
    // One byte past the cap tells a picture that is too big from one that just fits.
    const bytes = await readCapped(answer.body, PAGE_LIMITS.maxImageBytes + 1);
    if (bytes.byteLength > PAGE_LIMITS.maxImageBytes) return null;
    const judged = judge(bytes.subarray(0, JUDGED_BYTES));
    if (judged.content_type === DOWNLOAD_TYPE || !judged.width || !judged.height) return null;
    return { bytes, content_type: judged.content_type, width: judged.width, height: judged.height };
  } catch {
    return null;
  }
}
