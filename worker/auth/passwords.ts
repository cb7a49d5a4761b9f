/**
 * Passwords in Django's encoding, `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, so
 * accounts from the original condor_chat keep working.
 *
 * Production Workers refuse PBKDF2 above 100,000 iterations (local workerd does not), so
 * this module never asks for more: new hashes use exactly the ceiling, and a stored hash
 * above it is refused as unverifiable rather than crashing the sign-in.
 */

export const PBKDF2_MAX_ITERATIONS = 100_000;
const ALGORITHM = "pbkdf2_sha256";
const SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function base64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

function randomSalt(length = 22): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => SALT_CHARS[b % SALT_CHARS.length]).join("");
}

async function pbkdf2(password: string, salt: string, iterations: number): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
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
  const hash = await pbkdf2(password, salt, PBKDF2_MAX_ITERATIONS);
  return `${ALGORITHM}$${PBKDF2_MAX_ITERATIONS}$${salt}$${hash}`;
}

/** Why a stored hash could not be checked, if it could not. */
export type VerifyResult = "match" | "mismatch" | "unverifiable";

/** Checks a password against a stored Django-style hash, in constant time. */
export async function verifyPassword(password: string, encoded: string): Promise<VerifyResult> {
  const [algorithm, iterationText, salt, expected] = encoded.split("$");
  const iterations = Number(iterationText);
  if (algorithm !== ALGORITHM || !salt || !expected || !Number.isInteger(iterations) || iterations < 1) {
    return "unverifiable";
  }
  if (iterations > PBKDF2_MAX_ITERATIONS) return "unverifiable";
  const actual = await pbkdf2(password, salt, iterations);
  return timingSafeEqual(actual, expected) ? "match" : "mismatch";
}

function timingSafeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i] ^ right[i];
  return difference === 0;
}
