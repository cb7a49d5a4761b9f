/**
 * The one auth check of the API: a valid access token of an active user, or 401. The API
 * applies it to every route but the few on its public list (see `signedInUnless`).
 */
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { database } from "../../core/db";
import type { UserRow } from "../../core/db/schema";
import { findUser } from "../../core/db/users";
import { ApiError } from "../../core/errors";
import { BEARER_PREFIX, SUBPROTOCOL } from "../../core/protocol";
import { verifyToken } from "./tokens";

/** What a route behind signedInUnless sees: the signed-in user. */
export type AuthedEnv = { Bindings: Env; Variables: { user: UserRow } };
/** What a public route sees: a user only if it asked for one with optionalUser and one signed in. */
export type PublicEnv = { Bindings: Env; Variables: { user?: UserRow } };

/** The bearer token of a request, if it sent one. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * A browser cannot set headers on a WebSocket, so an upgrade may carry its token as the
 * subprotocol "bearer.<token>" next to "condor.v1" instead; never in the URL, which logs keep.
 */
function subprotocolToken(header: string | undefined): string | undefined {
  const offered = header?.split(",").map((p) => p.trim()) ?? [];
  if (!offered.includes(SUBPROTOCOL)) return undefined;
  return offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
}

/** The user an access token (header or subprotocol) names, if active; 401 otherwise. */
async function signedInUser(env: Env, header: (name: string) => string | undefined): Promise<UserRow> {
  const token = bearerToken(header("authorization")) ?? subprotocolToken(header("sec-websocket-protocol"));
  if (!token) throw new ApiError(401, "Authentication credentials were not provided.", "not_authenticated");
  const claims = await verifyToken(env, token, "access");
  const user = await findUser(database(env), claims.user_id);
  // A bot holds no token (it never signs in); a forged one for a bot opens nothing either.
  if (!user?.isActive || user.isBot) throw new ApiError(401, "User not found or inactive.", "authentication_failed");
  return user;
}

/** For a public route that wants its caller: checks credentials when sent, lets anonymous callers through. */
export function optionalUser() {
  return createMiddleware<PublicEnv>(async (c, next) => {
    if (c.req.header("authorization") !== undefined) {
      c.set("user", await signedInUser(c.env, (name) => c.req.header(name)));
    }
    await next();
  });
}

/** A route as the router knows it: `METHOD /path/{param}`, the path as registered (no trailing slash). */
export type RouteKey = `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} /${string}`;

/** Hono's `/rooms/:id` as OpenAPI's `/rooms/{id}`. */
const asRouteKey = (method: string, path: string) => `${method} ${path.replace(/:(\w+)/g, "{$1}")}`;

/**
 * Deny by default: every route of the app it is used on needs a signed-in user, but those listed.
 * A request that matches no route gets through untouched, so it is answered 404, not 401.
 * Which route answers is the first one the router matched: the same one that will run.
 */
export function signedInUnless(publicRoutes: readonly RouteKey[]): MiddlewareHandler<PublicEnv> {
  const open = new Set<string>(publicRoutes);
  return async (c, next) => {
    // Middleware (use) is registered for ALL methods; a route for its own method.
    const route = matchedRoutes(c).find((r) => r.method !== "ALL");
    if (route && !open.has(asRouteKey(route.method, route.path))) {
      c.set("user", await signedInUser(c.env, (name) => c.req.header(name)));
    }
    await next();
  };
}
