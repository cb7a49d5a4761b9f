/**
 * Web Push on WebCrypto (and noble's HKDF), so it runs in workerd, browsers and Node alike:
 * the payload encrypted as RFC 8291 (aes128gcm, RFC 8188, one record) and the VAPID header
 * of RFC 8292. A few functions rather than a library: the candidates on npm pull in Node's
 * crypto or a JWT package for what is one ECDH, three HKDFs, one AES-GCM and one ES256
 * signature, and that signature is made once per push service origin for hours.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** A browser's PushSubscription, as PushSubscription.toJSON() gives it. */
export type PushTarget = { endpoint: string; keys: { p256dh: string; auth: string } };
/** The server's VAPID key pair: the public key as 65 uncompressed bytes, the private as its 32-byte scalar, both base64url. */
export type VapidKeys = { publicKey: string; privateKey: string; subject: string };

/** The record size written in the header; a push payload is one record, far smaller. */
const RECORD_SIZE = 4096;
/** How long a VAPID token is good for; RFC 8292 allows at most 24 hours. */
const VAPID_TOKEN_SECONDS = 12 * 60 * 60;
/** A token is signed again once less than this is left of it, so none expires on the way. */
const VAPID_RENEW_SECONDS = 60 * 60;

export function toBase64Url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const plain = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** WebCrypto's key type, named the same way in the DOM, Workers and Node typings. */
type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type KeyPair = { publicKey: Key; privateKey: Key };

/** ECDH with the other side's public key; the DOM's and the Workers' typings name that member differently. */
export const ecdhWith = (key: Key) =>
  ({ name: "ECDH", public: key }) as unknown as Parameters<typeof crypto.subtle.deriveBits>[0];

const utf8 = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

/**
 * The content key and nonce of RFC 8291 §3.4, from the ECDH secret of the two keys; the
 * receiving side derives the same from its private key. In plain JS: three HKDFs of a few
 * bytes cost less here than the six WebCrypto calls they would take.
 */
export function contentKeys(
  ecdhSecret: Uint8Array,
  authSecret: Uint8Array,
  uaPublic: Uint8Array,
  asPublic: Uint8Array,
  salt: Uint8Array,
) {
  const keyInfo = concat(utf8("WebPush: info\0"), uaPublic, asPublic);
  const ikm = hkdf(sha256, ecdhSecret, authSecret, keyInfo, 32);
  const cek = hkdf(sha256, ikm, salt, utf8("Content-Encoding: aes128gcm\0"), 16) as Uint8Array<ArrayBuffer>;
  const nonce = hkdf(sha256, ikm, salt, utf8("Content-Encoding: nonce\0"), 12) as Uint8Array<ArrayBuffer>;
  return { cek, nonce };
}

/** The body of a push: header (salt, record size, the sender's key) and the one encrypted record. */
export async function encryptPayload(target: PushTarget, payload: string): Promise<Uint8Array<ArrayBuffer>> {
  const uaPublic = fromBase64Url(target.keys.p256dh);
  const authSecret = fromBase64Url(target.keys.auth);
  const receiver = await crypto.subtle.importKey("raw", uaPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ours = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as KeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey("raw", ours.publicKey)) as ArrayBuffer);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits(ecdhWith(receiver), ours.privateKey, 256));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const { cek, nonce } = contentKeys(ecdhSecret, authSecret, uaPublic, asPublic, salt);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  // 0x02: the last (and only) record's delimiter.
  const record = concat(utf8(payload), new Uint8Array([2]));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, record));
  const header = new Uint8Array(21);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header.set(salt, 0);
  header[20] = asPublic.length;
  return concat(header, asPublic, sealed);
}

/** Signed VAPID tokens by push service origin and key, with when each expires. */
const vapidTokens = new Map<string, { header: string; expires: number }>();

/** The Authorization header of RFC 8292 for a push to this endpoint, signed again only when its token nears expiry. */
export async function vapidAuthorization(endpoint: string, vapid: VapidKeys, nowSeconds: number): Promise<string> {
  const aud = new URL(endpoint).origin;
  const cacheKey = `${aud} ${vapid.publicKey} ${vapid.subject}`;
  const cached = vapidTokens.get(cacheKey);
  if (cached && cached.expires - nowSeconds > VAPID_RENEW_SECONDS) return cached.header;
  const publicBytes = fromBase64Url(vapid.publicKey);
  const key = await crypto.subtle.importKey(
    "jwk",
    {
      kty: "EC",
      crv: "P-256",
      d: vapid.privateKey,
      x: toBase64Url(publicBytes.slice(1, 33)),
      y: toBase64Url(publicBytes.slice(33, 65)),
    },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const part = (value: object) => toBase64Url(utf8(JSON.stringify(value)));
  const expires = nowSeconds + VAPID_TOKEN_SECONDS;
  const unsigned = `${part({ typ: "JWT", alg: "ES256" })}.${part({ aud, exp: expires, sub: vapid.subject })}`;
  // WebCrypto signs ECDSA as r||s, which is what JWS's ES256 wants.
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, utf8(unsigned));
  const header = `vapid t=${unsigned}.${toBase64Url(new Uint8Array(signature))}, k=${vapid.publicKey}`;
  vapidTokens.set(cacheKey, { header, expires });
  return header;
}

/** A new VAPID key pair, as `npm start` writes it into .dev.vars. */
export async function generateVapidKeys(): Promise<{ publicKey: string; privateKey: string }> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as KeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as { d?: string };
  return { publicKey: toBase64Url(publicKey), privateKey: jwk.d! };
}
