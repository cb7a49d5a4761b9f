/**
 * Bot keys: 256 random bits in base64url, which nobody guesses, and the SHA-256 that D1
 * keeps instead of them, so a read of the table gives away no key that works.
 */
import { base64url } from "../../core/attachments";
import { hashInviteCode } from "./invite-codes";

const KEY_BYTES = 32;

/** A key's form: 43 base64url characters. */
export const BOT_KEY = /^[A-Za-z0-9_-]{43}$/;

/** A new bot key. */
export const newBotKey = (): string => base64url(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));

/** The SHA-256 of a key as 64 hex digits, as D1 knows it: the same digest invite codes are kept by. */
export const hashBotKey = hashInviteCode;
