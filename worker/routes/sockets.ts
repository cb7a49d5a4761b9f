/**
 * WebSocket upgrades. The worker only authenticates: a valid access token (header or
 * subprotocol, see core/protocol.ts) and, for a room, membership; anyone else is refused
 * with 401/403 before a socket opens. Then the upgrade goes to the Durable Object, with who
 * the caller is in headers the worker sets itself.
 */
import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { database } from "../../core/db";
import { ApiError, invalid } from "../../core/errors";
import { inboxObject } from "../../durable/inbox";
import { roomObject, TRUSTED_USER_HEADER } from "../../durable/room";
import { type AuthedEnv, createApp } from "../app";
import { idParam } from "../openapi";
import { roomToRead } from "../rooms/access";

const After = z
  .string()
  .regex(/^\d{1,15}$/, "must be a whole number")
  .transform(Number);

/**
 * Hands an upgrade to a Durable Object in a request it can trust (nothing the client sent
 * but the upgrade itself), and copies its answer so the app can add its headers.
 */
async function handover(
  stub: { fetch(request: Request): Promise<Response> },
  url: string,
  headers: Record<string, string>,
) {
  const answer = await stub.fetch(new Request(url, { headers: { upgrade: "websocket", ...headers } }));
  return new Response(answer.body, { status: answer.status, headers: answer.headers, webSocket: answer.webSocket });
}

/** Per route, not app-wide: this sub-app is mounted beside all the others. */
const upgradeOnly = createMiddleware<AuthedEnv>(async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "This address takes WebSocket upgrades only.", "invalid");
  }
  await next();
});

export const sockets = createApp()
  .get("/rooms/:id/socket", upgradeOnly, async (c) => {
    const id = idParam.safeParse(c.req.param("id"));
    if (!id.success) throw invalid("A room id is a positive whole number.", { id: "must be a positive whole number" });
    const afterText = c.req.query("after");
    const after = afterText === undefined ? undefined : After.safeParse(afterText);
    if (after && !after.success) throw invalid("after must be a message id.", { after: "must be a whole number" });
    const changesText = c.req.query("changes");
    const changes = changesText === undefined ? undefined : After.safeParse(changesText);
    if (changes && !changes.success)
      throw invalid("changes must be the count a caught_up frame gave.", { changes: "must be a whole number" });
    if (changes && !after) throw invalid("changes needs after.", { changes: "only with after" });
    const { room } = await roomToRead(database(c.env), id.data, c.var.user);
    const url = new URL(`https://room/${room.id}`);
    if (after) url.searchParams.set("after", String(after.data));
    if (changes) url.searchParams.set("changes", String(changes.data));
    return handover(roomObject(c.env, room), url.toString(), { [TRUSTED_USER_HEADER]: String(c.var.user.id) });
  })
  .get("/inbox/socket", upgradeOnly, (c) => handover(inboxObject(c.env, c.var.user.id), "https://inbox/", {}));
