/**
 * What an uploaded file is taken to be, and how it is named when served. The type comes from
 * the bytes, never from the name or the declared type: only a JPEG, PNG, GIF or WebP whose
 * size can be read is an image; anything else is application/octet-stream and downloads, so
 * an HTML page or an SVG never runs in a reader's browser.
 */

import { DOWNLOAD_TYPE } from "../core/image-bytes";
import { DEFAULT_ATTACHMENT_MAX_BYTES } from "../core/protocol";

export { DOWNLOAD_TYPE, JUDGED_BYTES, type Judged, judge } from "../core/image-bytes";

/** The only types a file is ever served as. */
const SERVED_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", DOWNLOAD_TYPE]);
/** Longest file name kept, in characters. */
export const MAX_NAME_LENGTH = 200;

/** The largest upload this deployment takes: the ATTACHMENT_MAX_BYTES setting, or 25 MiB. */
export function maxAttachmentBytes(env: Pick<Env, "ATTACHMENT_MAX_BYTES">): number {
  const set = Number(env.ATTACHMENT_MAX_BYTES);
  return Number.isSafeInteger(set) && set > 0 ? set : DEFAULT_ATTACHMENT_MAX_BYTES;
}

/** A type to serve a stored file as: its own if it is one of ours, else a download. */
export const servedType = (stored: string | undefined) => (stored && SERVED_TYPES.has(stored) ? stored : DOWNLOAD_TYPE);

/**
 * A file name as shown and served: the last part of a path, without control or bidi
 * characters, trimmed, at most MAX_NAME_LENGTH characters (the extension kept), "file" if
 * nothing is left.
 */
export function cleanName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? "";
  const plain = last.normalize("NFC").replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, "");
  const trimmed = plain.trim().replace(/^\.+/, "");
  if (!trimmed) return "file";
  const chars = [...trimmed];
  if (chars.length <= MAX_NAME_LENGTH) return trimmed;
  const dot = trimmed.lastIndexOf(".");
  const extension = dot > 0 ? [...trimmed.slice(dot)].slice(0, 16).join("") : "";
  return chars.slice(0, MAX_NAME_LENGTH - [...extension].length).join("") + extension;
}

/** A Content-Disposition (RFC 6266): an ASCII fallback name and the real one as UTF-8 `filename*`. */
export function disposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\w.\- ]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
