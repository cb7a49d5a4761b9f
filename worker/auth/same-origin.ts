/**
 * Cross-site request forgery, and sockets opened by other sites: a browser sends `Origin`
 * with every state-changing request and every WebSocket upgrade, so one from a page on
 * another origin is refused here, before any route runs. Clients that are not browsers
 * (curl, scripts) send no Origin and are let through; they carry their token themselves.
 * Reads are answered: without CORS headers the browser keeps them from the other page.
 */
import { createMiddleware } from "hono/factory";
import { forbidden } from "../../core/errors";
import type { PublicEnv } from "./require-user";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origins ALLOWED_ORIGINS lists (comma or space separated), besides the app's own. */
function allowedOrigins(env: Env): Set<string> {
  return new Set((env.ALLOWED_ORIGINS ?? "").split(/[\s,]+/).filter(Boolean));
}

export function sameOrigin() {
  return createMiddleware<PublicEnv>(async (c, next) => {
    const origin = c.req.header("origin");
    const upgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    if (origin === undefined || (SAFE_METHODS.has(c.req.method) && !upgrade)) return next();
    if (origin !== new URL(c.req.url).origin && !allowedOrigins(c.env).has(origin)) {
      throw forbidden("Requests from other origins are not allowed.");
    }
    await next();
  });
}
