/**
 * The audit list: what superusers did to other people (a message removed, an account
 * deactivated), newest first, for superusers only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import { auditPage } from "../../core/db/audit";
import type { AuditEntryRow, UserRow } from "../../core/db/schema";
import { findUsersByIds } from "../../core/db/users";
import { forbidden } from "../../core/errors";
import { canReadAudit } from "../../core/policy";
import { AUDIT_ACTIONS } from "../../core/protocol-constants";
import { createApp } from "../app";
import { errors, json, pageQuery, pageSchema, paginated } from "../openapi";

const Person = z.object({ id: z.number().int(), username: z.string() });
const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    action: z.enum(AUDIT_ACTIONS),
    actor: Person.openapi({ description: "Who did it" }),
    target: Person.nullable().openapi({ description: "Whose message or account it was" }),
    room: z.number().int().optional().openapi({ description: "The message's room; absent for an account" }),
    message: z.number().int().optional().openapi({ description: "The removed message; absent for an account" }),
    created_at: z.string(),
  })
  .openapi("AuditEntry");

function toAuditEntry(entry: AuditEntryRow, people: Map<number, UserRow>) {
  const person = (id: number | null) => {
    const user = id === null ? undefined : people.get(id);
    return user ? { id: user.id, username: user.username } : null;
  };
  return {
    id: entry.id,
    action: entry.action,
    actor: person(entry.actorId) ?? { id: entry.actorId, username: "" },
    target: person(entry.targetUserId),
    ...(entry.roomId === null ? {} : { room: entry.roomId }),
    ...(entry.messageId === null ? {} : { message: entry.messageId }),
    created_at: entry.createdAt,
  };
}

export const audit = createApp().openapi(
  createRoute({
    method: "get",
    path: "/audit",
    operationId: "listAudit",
    tags: ["Moderation"],
    summary: "What superusers removed and deactivated, newest first (superusers only)",
    request: { query: pageQuery },
    responses: { 200: json(pageSchema(AuditEntrySchema), "A page of the audit list"), ...errors(400, 401, 403) },
  }),
  async (c) => {
    if (!canReadAudit(c.var.user)) throw forbidden("Only a superuser can read the audit list.");
    const page = c.req.valid("query");
    const db = database(c.env);
    const { entries, total } = await auditPage(db, page);
    const ids = [...new Set(entries.flatMap((entry) => [entry.actorId, entry.targetUserId ?? entry.actorId]))];
    const people = new Map((await findUsersByIds(db, ids)).map((user) => [user.id, user]));
    const results = entries.map((entry) => toAuditEntry(entry, people));
    return c.json(paginated(c.req.url, page, total, results), 200);
  },
);
