/**
 * Sign-in and tokens: the original's access_token/ and refresh_token/, plus logout/.
 * Refresh tokens rotate: refresh_token/ answers the original's `access` and a new
 * `refresh`, and the one it was given stops working.
 *
 * Cookie mode, for the web client: a request carrying `X-Condor-Refresh: cookie` gets the
 * refresh token as an HttpOnly cookie instead of in the body, so no script on the page can
 * read it. refresh_token/ and logout/ then take it from that cookie. The custom header is
 * the CSRF defence: a cross-origin page cannot send it without a CORS preflight, which
 * this worker never grants, and the cookie is SameSite=Strict besides. Without the header
 * everything is as the original's curl examples show it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { database } from "../../core/db";
import { findUser, findUserByUsername, signInStatement } from "../../core/db/users";
import { sentencesFor } from "../../core/error-sentences";
import { ApiError, invalid } from "../../core/errors";
import { createPublicApp } from "../app";
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from "../auth/login-throttle";
import { DECOY_HASH, hashPassword, needsRehash, verifyPassword } from "../auth/passwords";
import { issueTokenPair, REFRESH_TTL_SECONDS, spendRefreshToken, verifyToken } from "../auth/tokens";
import { errors, json, jsonBody } from "../openapi";

const Credentials = z.object({
  username: z.string().min(1).max(150),
  password: z.string().min(1).max(1024),
});
const refreshToken = z.string().min(1).max(4096);
/** `refresh` is required unless in cookie mode, where the body may be `{}`. */
const RefreshRequest = z.object({ refresh: refreshToken.optional() });
export const TokenPair = z.object({
  access: z.string(),
  refresh: z
    .string()
    .optional()
    .openapi({ description: "Absent in cookie mode, where it is the HttpOnly cookie instead" }),
});

/** The header that asks for cookie mode, and the cookie that then holds the refresh token. */
const REFRESH_MODE_HEADER = "x-condor-refresh";
const REFRESH_COOKIE = "condor_refresh";
const REFRESH_COOKIE_PATH = "/api/v1";

const cookieMode = (c: Context) => c.req.header(REFRESH_MODE_HEADER) === "cookie";
export const modeHeader = {
  headers: z.object({
    [REFRESH_MODE_HEADER]: z
      .literal("cookie")
      .optional()
      .openapi({ description: "`cookie`: the refresh token travels as an HttpOnly cookie" }),
  }),
};

/**
 * The refresh token a request presents: its body's, or in cookie mode the cookie's. No
 * token at all is the same 400 as before cookie mode existed.
 */
function presentedRefresh(c: Context, body: { refresh?: string }): string {
  const token = body.refresh ?? (cookieMode(c) ? getCookie(c, REFRESH_COOKIE) : undefined);
  if (token) return token;
  if (cookieMode(c)) throw new ApiError(401, "No refresh cookie: sign in again.", "not_authenticated");
  const fields = { refresh: "Required" };
  throw invalid(sentencesFor(fields), fields);
}

async function revoke(env: Env, token: string) {
  await spendRefreshToken(database(env), await verifyToken(env, token, "refresh"));
}

/** A token that is already invalid or spent needs no revoking; anything else is a real failure. */
function unlessSpent(err: unknown) {
  if (!(err instanceof ApiError)) throw err;
}

/** A token pair as the request asked for it: both in the body, or the refresh one as a cookie. */
export function tokenAnswer(c: Context, pair: { access: string; refresh: string }) {
  if (!cookieMode(c)) return pair;
  // Chromium and Firefox keep Secure cookies on http://localhost and 127.0.0.1 too.
  setCookie(c, REFRESH_COOKIE, pair.refresh, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: REFRESH_COOKIE_PATH,
    maxAge: REFRESH_TTL_SECONDS,
  });
  return { access: pair.access };
}

const noAccount = () =>
  new ApiError(401, "No active account found with the given credentials", "authentication_failed");

export const tokens = createPublicApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/access_token",
      operationId: "signIn",
      tags: ["Tokens"],
      security: [],
      summary: "Sign in: trade a username and password for an access and a refresh token",
      request: { ...jsonBody(Credentials), ...modeHeader },
      responses: {
        200: json(TokenPair, "Access (5 minutes) and refresh (1 day) tokens"),
        ...errors(400, 401, 415, 429),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid("json");
      const db = database(c.env);
      const who = { username, address: c.req.header("cf-connecting-ip") ?? "local" };
      await assertLoginAllowed(db, who);
      const user = await findUserByUsername(db, username);
      const verdict = await verifyPassword(password, user?.password ?? DECOY_HASH);
      if (verdict === "unverifiable" && user && !user.isBot) {
        console.warn(`user ${user.id} has a password hash this runtime cannot check; an admin must reset it`);
      }
      // A bot never signs in: it posts with its key.
      if (!user || verdict !== "match" || !user.isActive || user.isBot) {
        await recordLoginFailure(db, who);
        throw noAccount();
      }
      await clearLoginFailures(db, who);
      // A hash imported from Django (above the WebCrypto ceiling, checked in slow pure JS)
      // becomes a native one now that the password is known, so the next sign-in is fast.
      const rehash = needsRehash(user.password) ? await hashPassword(password) : undefined;
      const signedIn = signInStatement(db, user, rehash);
      return c.json(tokenAnswer(c, await issueTokenPair(c.env, db, user.id, { also: [signedIn] })), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh_token",
      operationId: "refreshTokens",
      tags: ["Tokens"],
      security: [],
      summary: "Trade a refresh token for a new access token and a new refresh token",
      request: { ...jsonBody(RefreshRequest), ...modeHeader },
      responses: {
        200: json(TokenPair, "A new access token, and the refresh token that replaces the one sent"),
        ...errors(400, 401, 415),
      },
    }),
    async (c) => {
      const claims = await verifyToken(c.env, presentedRefresh(c, c.req.valid("json")), "refresh");
      const db = database(c.env);
      const user = await findUser(db, claims.user_id);
      if (!user?.isActive || user.isBot) {
        await spendRefreshToken(db, claims);
        throw noAccount();
      }
      // The old token is spent in the same batch that records the new one.
      return c.json(tokenAnswer(c, await issueTokenPair(c.env, db, user.id, { spending: claims })), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      operationId: "signOut",
      tags: ["Tokens"],
      security: [],
      summary: "Sign out: the refresh token stops working at once",
      request: { ...jsonBody(RefreshRequest), ...modeHeader },
      responses: { 200: json(z.object({ detail: z.string() }), "Signed out"), ...errors(400, 401, 415) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (cookieMode(c)) {
        // Signing out always clears the cookie, whatever state its token is in.
        deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH, secure: true });
        const token = body.refresh ?? getCookie(c, REFRESH_COOKIE);
        if (token) await revoke(c.env, token).catch(unlessSpent);
        return c.json({ detail: "Signed out." }, 200);
      }
      await revoke(c.env, presentedRefresh(c, body));
      return c.json({ detail: "Signed out." }, 200);
    },
  );
