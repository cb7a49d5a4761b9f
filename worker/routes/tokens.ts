/**
 * Sign-in and tokens: the original's access_token/ and refresh_token/, plus logout/.
 * Refresh tokens rotate: refresh_token/ answers the original's `access` and a new
 * `refresh`, and the one it was given stops working.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createApp } from "../app";
import { clearLoginFailures, assertLoginAllowed, recordLoginFailure } from "../auth/login-throttle";
import { verifyPassword } from "../auth/passwords";
import { issueTokenPair, spendRefreshToken, verifyToken } from "../auth/tokens";
import { database, now } from "../db";
import { users } from "../db/schema";
import { findUser, findUserByUsername } from "../db/users";
import { ApiError } from "../errors";
import { errors, json, jsonBody } from "../openapi";
import { eq } from "drizzle-orm";

const Credentials = z.object({
  username: z.string().min(1).max(150),
  password: z.string().min(1).max(1024),
});
const RefreshRequest = z.object({ refresh: z.string().min(1).max(4096) });
const TokenPair = z.object({ access: z.string(), refresh: z.string() });

const noAccount = () => new ApiError(401, "No active account found with the given credentials", "authentication_failed");

export const tokens = createApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/access_token",
      tags: ["auth"],
      security: [],
      summary: "Sign in: trade a username and password for an access and a refresh token",
      request: jsonBody(Credentials),
      responses: { 200: json(TokenPair, "Access (5 minutes) and refresh (1 day) tokens"), ...errors(400, 401, 415, 429) },
    }),
    async (c) => {
      const { username, password } = c.req.valid("json");
      const db = database(c.env);
      const who = { username, address: c.req.header("cf-connecting-ip") ?? "local" };
      await assertLoginAllowed(db, who);
      const user = await findUserByUsername(db, username);
      const verdict = user ? await verifyPassword(password, user.password) : "mismatch";
      if (verdict === "unverifiable" && user) {
        console.warn(`user ${user.id} has a password hash this runtime cannot check; an admin must reset it`);
      }
      if (!user || verdict !== "match" || !user.isActive) {
        await recordLoginFailure(db, who);
        throw noAccount();
      }
      await clearLoginFailures(db, who);
      const signedIn = db.update(users).set({ lastLogin: now() }).where(eq(users.id, user.id));
      return c.json(await issueTokenPair(c.env, db, user.id, { also: [signedIn] }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh_token",
      tags: ["auth"],
      security: [],
      summary: "Trade a refresh token for a new access token and a new refresh token",
      request: jsonBody(RefreshRequest),
      responses: { 200: json(TokenPair, "A new access token, and the refresh token that replaces the one sent"), ...errors(400, 401, 415) },
    }),
    async (c) => {
      const claims = await verifyToken(c.env, c.req.valid("json").refresh, "refresh");
      const db = database(c.env);
      const user = await findUser(db, claims.user_id);
      if (!user?.isActive) {
        await spendRefreshToken(db, claims);
        throw noAccount();
      }
      // The old token is spent in the same batch that records the new one.
      return c.json(await issueTokenPair(c.env, db, user.id, { spending: claims }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags: ["auth"],
      security: [],
      summary: "Sign out: the refresh token stops working at once",
      request: jsonBody(RefreshRequest),
      responses: { 200: json(z.object({ detail: z.string() }), "Signed out"), ...errors(400, 401, 415) },
    }),
    async (c) => {
      const claims = await verifyToken(c.env, c.req.valid("json").refresh, "refresh");
      await spendRefreshToken(database(c.env), claims);
      return c.json({ detail: "Signed out." }, 200);
    },
  );
