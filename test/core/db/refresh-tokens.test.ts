import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../../core/db";
import { clearExpiredStatement, recordStatement, spendStatement } from "../../../core/db/refresh-tokens";
import { refreshTokens } from "../../../core/db/schema";
import { makeUser } from "../../support/api";

const db = () => database(env);
const now = () => Math.floor(Date.now() / 1000);
const recordsOf = (userId: number) => db().select().from(refreshTokens).where(eq(refreshTokens.userId, userId));

describe("refresh token records", () => {
  it("spend a recorded token once: a second spend finds nothing to revoke", async () => {
    const user = await makeUser();
    const token = { jti: crypto.randomUUID(), userId: user.id };
    await recordStatement(db(), { ...token, expiresAt: now() + 60 });
    expect(await spendStatement(db(), token, now())).toEqual([{ jti: token.jti }]);
    expect(await spendStatement(db(), token, now())).toEqual([]);
  });

  it("record a token after a spend only when the spend revoked one", async () => {
    const user = await makeUser();
    const unknown = { jti: crypto.randomUUID(), userId: user.id };
    const next = { jti: crypto.randomUUID(), userId: user.id, expiresAt: now() + 60 };
    await db().batch([spendStatement(db(), unknown, now()), recordStatement(db(), next, true)]);
    expect((await recordsOf(user.id)).map((r) => r.jti)).not.toContain(next.jti);

    const known = { jti: crypto.randomUUID(), userId: user.id };
    await recordStatement(db(), { ...known, expiresAt: now() + 60 });
    await db().batch([spendStatement(db(), known, now()), recordStatement(db(), next, true)]);
    expect((await recordsOf(user.id)).map((r) => r.jti)).toContain(next.jti);
  });

  it("forget only the user's expired tokens", async () => {
    const [user, other] = [await makeUser(), await makeUser()];
    const expired = { jti: crypto.randomUUID(), userId: user.id, expiresAt: now() - 1 };
    const live = { jti: crypto.randomUUID(), userId: user.id, expiresAt: now() + 60 };
    const othersExpired = { jti: crypto.randomUUID(), userId: other.id, expiresAt: now() - 1 };
    for (const token of [expired, live, othersExpired]) await recordStatement(db(), token);
    await clearExpiredStatement(db(), user.id, now());
    const left = (await recordsOf(user.id)).map((r) => r.jti);
    expect(left).toContain(live.jti);
    expect(left).not.toContain(expired.jti);
    expect((await recordsOf(other.id)).map((r) => r.jti)).toContain(othersExpired.jti);
  });
});
