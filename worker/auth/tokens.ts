/**
 * JWTs as the original's simplejwt made them: HS256, claims `token_type`, `user_id`, `jti`,
 * `exp`, `iat`. Access tokens last 5 minutes, refresh tokens 1 day, and neither is accepted
 * where the other is expected. Refresh tokens are recorded so they can be rotated and revoked.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { jwtVerify, SignJWT } from "jose";
import type { Database } from "../../core/db";
import { clearExpiredStatement, recordStatement, spendStatement } from "../../core/db/refresh-tokens";
import { ApiError } from "../../core/errors";

export const ACCESS_TTL_SECONDS = 5 * 60;
export const REFRESH_TTL_SECONDS = 24 * 60 * 60;

export type TokenType = "access" | "refresh";
export type TokenClaims = { token_type: TokenType; user_id: number; jti: string; exp: number; iat: number };

const invalidToken = (message = "Token is invalid or expired") => new ApiError(401, message, "token_not_valid");

/** The key of each secret, imported once: importing it was about half of a token check's CPU. */
const keys = new Map<string, Promise<CryptoKey>>();

function secretKey(env: Env): Promise<CryptoKey> {
  // A short secret makes HS256 guessable; refuse to run with one rather than sign weakly.
  if (!env.JWT_SECRET || env.JWT_SECRET.length < 32) {
    throw new Error("JWT_SECRET is missing or shorter than 32 characters");
  }
  let key = keys.get(env.JWT_SECRET);
  if (!key) {
    const bytes = new TextEncoder().encode(env.JWT_SECRET);
    key = crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(env.JWT_SECRET, key);
  }
  return key;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function newJti(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

async function sign(env: Env, userId: number, type: TokenType, ttl: number, jti = newJti()) {
  const now = nowSeconds();
  const token = await new SignJWT({ token_type: type, user_id: userId, jti })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(await secretKey(env));
  return { token, jti, exp: now + ttl };
}

/** A fresh access token. */
export async function issueAccessToken(env: Env, userId: number): Promise<string> {
  return (await sign(env, userId, "access", ACCESS_TTL_SECONDS)).token;
}

/**
 * A fresh refresh token, recorded so that it can be rotated or revoked later. The record is
 * written in one batch with `also` (what the caller changes along with it), and, when
 * `spending` names the token it replaces, only if that one is spent in the same batch: a
 * failure part way leaves either both done or neither.
 */
export async function issueRefreshToken(
  env: Env,
  db: Database,
  userId: number,
  options: { spending?: TokenClaims; also?: BatchItem<"sqlite">[] } = {},
): Promise<string> {
  const { token, jti, exp } = await sign(env, userId, "refresh", REFRESH_TTL_SECONDS);
  const { spending } = options;
  const statements: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [
    ...(spending ? [spendStatement(db, { jti: spending.jti, userId: spending.user_id }, nowSeconds())] : []),
    recordStatement(db, { jti, userId, expiresAt: exp }, spending !== undefined),
    // Clearing expired records here keeps the table small.
    clearExpiredStatement(db, userId, nowSeconds()),
    ...(options.also ?? []),
  ] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
  const [first] = await db.batch(statements);
  if (options.spending && (first as unknown[]).length === 0) throw invalidToken("Token is blacklisted");
  return token;
}

/** What signing in and refreshing answer: a new access token and a new refresh token (see issueRefreshToken). */
export async function issueTokenPair(
  env: Env,
  db: Database,
  userId: number,
  options: { spending?: TokenClaims; also?: BatchItem<"sqlite">[] } = {},
) {
  const refresh = await issueRefreshToken(env, db, userId, options);
  return { access: await issueAccessToken(env, userId), refresh };
}

/** Checks signature, algorithm, expiry and type; any failure is the same 401. */
export async function verifyToken(env: Env, token: string, type: TokenType): Promise<TokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await secretKey(env), { algorithms: ["HS256"] }));
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("JWT_SECRET")) throw err;
    throw invalidToken();
  }
  const { token_type, user_id, jti, exp, iat } = payload;
  if (token_type !== type) throw invalidToken(`Token has wrong type: expected ${type} token`);
  if (!Number.isSafeInteger(user_id) || typeof jti !== "string" || typeof exp !== "number") {
    throw invalidToken();
  }
  return { token_type: type, user_id: user_id as number, jti, exp, iat: Number(iat) };
}

/**
 * Spends a refresh token: it must be recorded and not yet revoked. The conditional update
 * is the check, so two concurrent uses of one token cannot both succeed.
 */
export async function spendRefreshToken(db: Database, claims: TokenClaims): Promise<void> {
  const spent = await spendStatement(db, { jti: claims.jti, userId: claims.user_id }, nowSeconds());
  if (spent.length === 0) throw invalidToken("Token is blacklisted");
}
