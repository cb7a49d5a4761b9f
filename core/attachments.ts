/**
 * Message attachments: where a file is kept in R2 and the signed links it is served from.
 * A link is the capability: only the room's members get one (in the answers that show the
 * message), it names the file and when it expires, and the worker serves nothing without a
 * valid one. Links are signed synchronously (HMAC-SHA-256) because a room signs them in the
 * same turn as it commits or catches a socket up, where nothing may wait; the worker checks
 * them with WebCrypto.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { WireAttachment } from "./protocol";

/** A file of a message as the room's store keeps it: everything but its link. */
export type StoredAttachment = Omit<WireAttachment, "url">;

/** A link lasts at least this long... */
export const LINK_LASTS_SECONDS = 60 * 60;
/** ...and at most this much more: links made within one step share their expiry, so a browser's cache keeps a picture. */
export const LINK_STEP_SECONDS = 10 * 60;
/** Derives the links' key from the JWT secret, so no second secret is needed and neither key signs for the other. */
const KEY_LABEL = "condor-chat attachment links v1";

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Where a room's file is in R2. */
export const attachmentKey = (roomId: number, id: string) => `attachments/${roomId}/${id}`;

/** The text a link's signature covers: the file's key and the link's expiry. */
export const signedText = (key: string, expires: number) => utf8(`${key}\n${expires}`);

let derived: { secret: string; key: Uint8Array } | undefined;

/** The links' own key, from the server's JWT secret. */
export function linkKey(secret: string): Uint8Array {
  if (!secret || secret.length < 32) throw new Error("JWT_SECRET is missing or shorter than 32 characters");
  if (derived?.secret !== secret) derived = { secret, key: hmac(sha256, utf8(secret), utf8(KEY_LABEL)) };
  return derived.key;
}

export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Signs links to a room's files; one made per answer, so every answer's links are fresh. */
export class AttachmentLinks {
  readonly #secret: string;
  /** Derived on the first link: most answers and commit groups carry no file. */
  #key: Uint8Array | undefined;
  readonly #expires: number;

  constructor(secret: string, nowMs = Date.now()) {
    this.#secret = secret;
    this.#expires = Math.ceil((nowMs / 1000 + LINK_LASTS_SECONDS) / LINK_STEP_SECONDS) * LINK_STEP_SECONDS;
  }

  /** The signed path a member fetches a file at. */
  url(roomId: number, id: string): string {
    this.#key ??= linkKey(this.#secret);
    const signature = base64url(hmac(sha256, this.#key, signedText(attachmentKey(roomId, id), this.#expires)));
    return `/api/v1/rooms/${roomId}/attachments/${id}/?expires=${this.#expires}&signature=${signature}`;
  }

  /** A message's files as the API shows them, each with a fresh link. */
  shown(roomId: number, files: readonly StoredAttachment[]): WireAttachment[] {
    return files.map((file) => ({ ...file, url: this.url(roomId, file.id) }));
  }
}
