/** The audit list: what superusers did to other people's messages and accounts, newest first. */
import { count, desc } from "drizzle-orm";
import type { AuditAction } from "../protocol-constants";
import { type Database, now } from ".";
import { type AuditEntryRow, auditEntries } from "./schema";

export type AuditRecord = {
  actorId: number;
  action: AuditAction;
  targetUserId: number;
  roomId?: number;
  messageId?: number;
};

/** Records one action, after it is done: an action that failed is never listed. */
export async function recordAudit(db: Database, record: AuditRecord): Promise<void> {
  await db.insert(auditEntries).values({ ...record, createdAt: now() });
}

/** A page of the list, newest first, with how many entries there are in all. */
export async function auditPage(
  db: Database,
  { limit, offset }: { limit: number; offset: number },
): Promise<{ entries: AuditEntryRow[]; total: number }> {
  const [entries, [{ total }]] = await Promise.all([
    db.select().from(auditEntries).orderBy(desc(auditEntries.id)).limit(limit).offset(offset),
    db.select({ total: count() }).from(auditEntries),
  ]);
  return { entries, total };
}
