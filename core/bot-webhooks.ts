/**
 * How a bot's webhook knows a call came from this server: every POST carries
 * `X-Condor-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed by the bot's
 * webhook secret. The secret is derived from the JWT secret and the hash of the bot's
 * current key, so nothing more is stored: it is shown beside the key when the bot is made
 * or its key regenerated, and a new key brings a new secret.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64url } from "./attachments";

export const SIGNATURE_HEADER = "x-condor-signature";
/** Names the message a call is about, the same on every retry, so a webhook can tell a retry. */
export const DELIVERY_HEADER = "x-condor-delivery";
const SECRET_LABEL = "condor-chat bot webhooks v1";

const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A bot's webhook secret: 43 base64url characters, from the server's JWT secret and the bot's key. */
export function webhookSecret(jwtSecret: string, botId: number, keyHash: string): string {
  if (!jwtSecret || jwtSecret.length < 32) throw new Error("JWT_SECRET is missing or shorter than 32 characters");
  return base64url(hmac(sha256, utf8(jwtSecret), utf8(`${SECRET_LABEL}\n${botId}\n${keyHash}`)));
}

/** The signature header's value for a body. */
export const signWebhook = (secret: string, body: string) => `sha256=${hex(hmac(sha256, utf8(secret), utf8(body)))}`;
