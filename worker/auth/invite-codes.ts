/**
 * Invite codes: 128 random bits in base64url, which nobody guesses, and the SHA-256 that
 * D1 keeps instead of them, so a read of the table gives away no live link.
 */

const CODE_BYTES = 16;

/** A new invite code: 22 base64url characters. */
export function newInviteCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_BYTES));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The SHA-256 of a code as 64 hex digits: how D1 knows an invite, and its id in the list. */
export async function hashInviteCode(code: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether a path names an invite by its id (the hash) rather than by its code. */
export const isInviteId = (value: string) => /^[0-9a-f]{64}$/.test(value);
