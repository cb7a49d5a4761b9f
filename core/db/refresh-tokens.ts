/**
 * The record of refresh tokens, so they can be rotated and revoked. These build statements
 * rather than run them: a sign-in or a refresh writes its record in one batch with whatever
 * changes along with it.
 */
import { and, eq, isNull, lt, sql } from "drizzle-orm";
import type { Database } from ".";
import { refreshTokens } from "./schema";

type Token = { jti: string; userId: number };

/** Records a token; with `afterSpend`, only if the statement just before it (a spend) changed a row. */
export function recordStatement(db: Database, token: Token & { expiresAt: number }, afterSpend = false) {
  // changes() is the number of rows the statement just before it changed: one, or none when refused.
  return afterSpend
    ? db
        .insert(refreshTokens)
        .select(sql`SELECT ${token.jti}, ${token.userId}, ${token.expiresAt}, NULL WHERE changes() = 1`)
    : db.insert(refreshTokens).values(token);
}

/**
 * Revokes a recorded, unrevoked token, returning it: nothing when it was unknown or already
 * revoked. The conditional update is the check, so two uses of one token cannot both succeed.
 */
export function spendStatement(db: Database, token: Token, nowSeconds: number) {
  return db
    .update(refreshTokens)
    .set({ revokedAt: nowSeconds })
    .where(
      and(eq(refreshTokens.jti, token.jti), eq(refreshTokens.userId, token.userId), isNull(refreshTokens.revokedAt)),
    )
    .returning({ jti: refreshTokens.jti });
}

/** Forgets a user's expired tokens, which are of no use to anyone. */
export function clearExpiredStatement(db: Database, userId: number, nowSeconds: number) {
  return db.delete(refreshTokens).where(and(eq(refreshTokens.userId, userId), lt(refreshTokens.expiresAt, nowSeconds)));
}
