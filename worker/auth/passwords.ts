/**
 * Passwords in Django's encoding, `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, so
 * accounts from the original condor_chat keep working.
 *
 * Production Workers refuse WebCrypto PBKDF2 above 100,000 iterations (local workerd does
 * not), so WebCrypto is never asked for more: new hashes use exactly the ceiling. Hashes
 * imported from Django (150,000 in Django 2.2, 260,000 in 3.2, up to 1,200,000 in 6.0) are
 * checked with a pure-JS PBKDF2 instead, and replaced after the first sign-in (see
 * `needsRehash`). That check is CPU time on the Workers bill: 0.53 s for 260,000 iterations
 * (0.30 s for 150,000) measured in local workerd, far past the free plan's 10 ms per
 * request, so imported accounts need the paid plan until each has signed in once (or an
 * admin resets their password).
 */
import { pbkdf2 as pbkdf2InJs } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";

export const PBKDF2_MAX_ITERATIONS = 100_000;
/**
 * The most iterations checked in pure JS: Django 6.0's default, about 2.5 s of CPU. A hash
 * asking for more is unverifiable, so a crafted or corrupt hash cannot make a sign-in burn
 * unbounded CPU (and the sign-in throttle caps the attempts per account).
 */
export const PBKDF2_JS_MAX_ITERATIONS = 1_200_000;
const ALGORITHM = "pbkdf2_sha256";
const SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function base64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

function randomSalt(length = 22): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => SALT_CHARS[b % SALT_CHARS.length]).join("");
}

async function pbkdf2InWebCrypto(password: string, salt: string, iterations: number): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations },
    key,
    256,
  );
  return base64(bits);
}

/** Hashes a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomSalt();
  const hash = await pbkdf2InWebCrypto(password, salt, PBKDF2_MAX_ITERATIONS);
  return `${ALGORITHM}$${PBKDF2_MAX_ITERATIONS}$${salt}$${hash}`;
}

/** Why a stored hash could not be checked, if it could not. */
export type VerifyResult = "match" | "mismatch" | "unverifiable";

type Pbkdf2Hash = { iterations: number; salt: string; hash: string };

/** The parts of a `pbkdf2_sha256` hash, or undefined for any other or a malformed encoding. */
function parsePbkdf2(encoded: string): Pbkdf2Hash | undefined {
  const [algorithm, iterationText, salt, hash] = encoded.split("$");
  const iterations = Number(iterationText);
  if (algorithm !== ALGORITHM || !salt || !hash || !/^\d+$/.test(iterationText) || iterations < 1) return undefined;
  return { iterations, salt, hash };
}

/**
 * The Django hasher an encoded password names ("argon2", "bcrypt_sha256", "md5", ...), or
 * "unusable" for Django's `!` passwords; "pbkdf2_sha256" only when this module can check it.
 */
export function hasherOf(encoded: string): string {
  if (encoded === "" || encoded.startsWith("!")) return "unusable";
  const parsed = parsePbkdf2(encoded);
  if (parsed)
    return parsed.iterations <= PBKDF2_JS_MAX_ITERATIONS
      ? ALGORITHM
      : `${ALGORITHM} above ${PBKDF2_JS_MAX_ITERATIONS} iterations`;
  if (/^[0-9a-f]{32}$/.test(encoded)) return "unsalted_md5";
  const named = encoded.includes("$") ? encoded.slice(0, encoded.indexOf("$")) : "unknown";
  return named === ALGORITHM ? `${ALGORITHM}, malformed` : named;
}

/** Checks a password against a stored Django-style hash, in constant time. */
export async function verifyPassword(password: string, encoded: string): Promise<VerifyResult> {
  const parsed = parsePbkdf2(encoded);
  if (!parsed || parsed.iterations > PBKDF2_JS_MAX_ITERATIONS) return "unverifiable";
  const { iterations, salt, hash } = parsed;
  const actual =
    iterations <= PBKDF2_MAX_ITERATIONS
      ? await pbkdf2InWebCrypto(password, salt, iterations)
      : base64(pbkdf2InJs(sha256, password, salt, { c: iterations, dkLen: 32 }));
  return timingSafeEqual(actual, hash) ? "match" : "mismatch";
}

/**
 * A hash of a random password nobody knows, checked when a sign-in names no account, so an
 * unknown username costs the same PBKDF2 work as a known one and timing does not tell them apart.
 */
export const DECOY_HASH = "pbkdf2_sha256$100000$6brneVwnKHmVLxlT$FG5777Q2lBOAlKhhKl5abLg3YDPltnlmi3lw5acRzFE=";

/** Whether a hash that just matched should be replaced by a fresh one at today's iteration count. */
export function needsRehash(encoded: string): boolean {
  return parsePbkdf2(encoded)?.iterations !== PBKDF2_MAX_ITERATIONS;
}

function timingSafeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i] ^ right[i];
  return difference === 0;
}
