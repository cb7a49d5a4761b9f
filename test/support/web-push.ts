/**
 * The browser's side of Web Push, for tests: a subscription's key pair and auth secret, made
 * with WebCrypto as a browser makes them, and RFC 8291 decryption of what the push service got.
 */
import { expect, inject } from "vitest";
import { concat, ecdhWith, fromBase64Url, type PushTarget, toBase64Url } from "../../core/web-push";

export type TestSubscription = PushTarget & { id: string; privateKey: CryptoKey };
export type ReceivedPush = { headers: Record<string, string>; body: string };

/** A subscription whose endpoint is the loopback push service's, answering as `kind` says (see push-service.global.ts). */
export async function makeSubscription(kind: "ok" | "gone" | "fail" | "slow" = "ok"): Promise<TestSubscription> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const id = crypto.randomUUID();
  return {
    id,
    endpoint: `${inject("pushService")}/${kind}/${id}`,
    keys: { p256dh: toBase64Url(publicKey), auth: toBase64Url(crypto.getRandomValues(new Uint8Array(16))) },
    privateKey: pair.privateKey,
  };
}

/** The pushes the service has taken for this subscription, once there are at least `count` (or after `waitMs`). */
export async function pushesTo(subscription: TestSubscription, count = 1, waitMs = 8000): Promise<ReceivedPush[]> {
  const answer = await fetch(`${inject("pushService")}/received/${subscription.id}?count=${count}&wait=${waitMs}`);
  return answer.json();
}

const utf8 = (text: string) => new TextEncoder().encode(text);

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number) {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

/**
 * RFC 8291 §3.4's content key and nonce, derived with WebCrypto's HKDF as a browser would:
 * apart from core's, so a slip there fails the tests rather than agreeing with itself.
 */
async function contentKeys(
  ecdhSecret: Uint8Array,
  authSecret: Uint8Array,
  uaPublic: Uint8Array,
  asPublic: Uint8Array,
  salt: Uint8Array,
) {
  const ikm = await hkdf(authSecret, ecdhSecret, concat(utf8("WebPush: info\0"), uaPublic, asPublic), 32);
  const cek = await hkdf(salt, ikm, utf8("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, utf8("Content-Encoding: nonce\0"), 12);
  return { cek, nonce };
}

/** Decrypts an aes128gcm push body (RFC 8188 header, one record) with the subscription's private key. */
export async function decrypt(subscription: TestSubscription, push: ReceivedPush): Promise<any> {
  expect(push.headers["content-encoding"]).toBe("aes128gcm");
  const body = Uint8Array.from(atob(push.body), (c) => c.charCodeAt(0));
  const salt = body.slice(0, 16);
  const idLength = body[20];
  const asPublic = body.slice(21, 21 + idLength);
  const sealed = body.slice(21 + idLength);
  const sender = await crypto.subtle.importKey("raw", asPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits(ecdhWith(sender), subscription.privateKey, 256));
  const uaPublic = fromBase64Url(subscription.keys.p256dh);
  const { cek, nonce } = await contentKeys(ecdhSecret, fromBase64Url(subscription.keys.auth), uaPublic, asPublic, salt);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const record = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, sealed));
  // The plaintext ends at the last record's delimiter, 0x02, before any padding.
  const end = record.lastIndexOf(2);
  return JSON.parse(new TextDecoder().decode(concat(record.slice(0, end))));
}

/** Checks the VAPID header's token: ES256 by the server's public key, for the push service's origin. */
export async function expectVapid(push: ReceivedPush, publicKey: string, endpoint: string) {
  const match = /^vapid t=([^,]+), k=(.+)$/.exec(push.headers.authorization ?? "");
  expect(match, push.headers.authorization).not.toBeNull();
  const [, token, k] = match!;
  expect(k).toBe(publicKey);
  const [header, claims, signature] = token.split(".");
  const key = await crypto.subtle.importKey("raw", fromBase64Url(k), { name: "ECDSA", namedCurve: "P-256" }, false, [
    "verify",
  ]);
  const valid = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromBase64Url(signature),
    new TextEncoder().encode(`${header}.${claims}`),
  );
  expect(valid, "the VAPID signature verifies").toBe(true);
  const parsed = JSON.parse(new TextDecoder().decode(fromBase64Url(claims)));
  expect(parsed.aud).toBe(new URL(endpoint).origin);
  expect(parsed.exp).toBeGreaterThan(Date.now() / 1000);
}
