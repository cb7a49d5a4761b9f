/**
 * The one auth check of the API: a valid access token of an active user, or 401.
 */
import { createMiddleware } from "hono/factory";
import { database } from "../../core/db";
import { findUser } from "../../core/db/users";
import { ApiError } from "../../core/errors";
import { BEARER_PREFIX, SUBPROTOCOL } from "../../core/protocol";
import type { AppEnv } from "../app";
import { verifyToken } from "./tokens";

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

export function requireUser() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token =
      bearerToken(c.req.header("authorization")) ?? subprotocolToken(c.req.header("sec-websocket-protocol"));
    if (!token) throw new ApiError(401, "Authentication credentials were not provided.", "not_authenticated");
    const claims = await verifyToken(c.env, token, "access");
    const user = await findUser(database(c.env), claims.user_id);
    if (!user?.isActive) throw new ApiError(401, "User not found or inactive.", "authentication_failed");
    c.set("user", user);
    await next();
  });
}

/** As requireUser when credentials are sent; lets anonymous callers through otherwise. */
export function optionalUser() {
  const required = requireUser();
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.header("authorization") === undefined) return next();
    return required(c, next);
  });
}
