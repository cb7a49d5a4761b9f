/**
 * Files uploaded to the room and not sent yet. The worker puts a file's bytes in R2 and then
 * registers it here; a send by the same person claims it, in the same transaction as the
 * message is written, so a file belongs to one message or stays an upload. One never sent
 * within UPLOAD_KEPT_MS is removed, from R2 and from here, by the room's alarm.
 */
import { attachmentKey, type StoredAttachment } from "../../core/attachments";
import type { RoomContext } from "./context";

/** How long an upload waits to be sent before it is removed. */
export const UPLOAD_KEPT_MS = 60 * 60 * 1000;
/** Most uploads one person may have waiting in a room, so unsent files cannot pile up in R2. */
export const MAX_PENDING_UPLOADS = 50;
/** Most expired uploads one alarm removes; the next alarm goes on with the rest. */
const SWEEP_BATCH = 100;
/** How long after R2 failed to remove files the alarm tries again. */
const SWEEP_RETRY_MS = 60 * 1000;

export type Upload = StoredAttachment & { senderId: number; uploadedAt: number };
type UploadRow = {
  id: string;
  sender_id: number;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  uploaded_at: number;
};

export type Claim = { ok: true; files: StoredAttachment[] } | { ok: false; why: string };

export class Uploads {
  constructor(
    private readonly storage: Pick<DurableObjectStorage, "sql">,
    private readonly room: RoomContext,
  ) {}

  get #sql() {
    return this.storage.sql;
  }

  /** Registers an upload; refused when its sender has too many waiting. */
  keep(upload: Upload): { ok: true } | { ok: false; why: string } {
    const waiting = this.#sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM uploads WHERE sender_id = ?", upload.senderId)
      .one().n;
    if (waiting >= MAX_PENDING_UPLOADS)
      return { ok: false, why: `At most ${MAX_PENDING_UPLOADS} files can wait to be sent; send or wait for them.` };
    this.#sql.exec(
      "INSERT INTO uploads (id, sender_id, name, size, content_type, width, height, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      upload.id,
      upload.senderId,
      upload.name,
      upload.size,
      upload.content_type,
      upload.width ?? null,
      upload.height ?? null,
      upload.uploadedAt,
    );
    return { ok: true };
  }

  /**
   * Takes the sender's waiting uploads for a message, in the order named, or none of them
   * with the reason. Call it inside the transaction that writes the message.
   */
  claim(senderId: number, ids: readonly string[], at: number): Claim {
    const rows = new Map(
      this.#sql
        .exec<UploadRow>(
          `SELECT * FROM uploads WHERE id IN (${ids.map(() => "?").join(", ")}) AND uploaded_at > ?`,
          ...ids,
          at - UPLOAD_KEPT_MS,
        )
        .toArray()
        .map((row) => [row.id, row]),
    );
    const missing = ids.filter((id) => !rows.has(id));
    if (missing.length > 0)
      return { ok: false, why: `not files waiting to be sent in this room: ${missing.join(", ")}` };
    if ([...rows.values()].some((row) => row.sender_id !== senderId))
      return { ok: false, why: "only your own uploads can be sent" };
    this.#sql.exec(`DELETE FROM uploads WHERE id IN (${ids.map(() => "?").join(", ")})`, ...ids);
    return { ok: true, files: ids.map((id) => asFile(rows.get(id)!)) };
  }

  /**
   * Removes uploads older than UPLOAD_KEPT_MS, a batch at a time, from R2 first: a failure
   * leaves them listed for a later alarm. Expired ones cannot be claimed meanwhile.
   * Answers when the alarm should sweep next, if anything waits.
   */
  async sweep(at: number): Promise<number | undefined> {
    const expired = this.#sql
      .exec<{ id: string }>(
        "SELECT id FROM uploads WHERE uploaded_at <= ? ORDER BY uploaded_at LIMIT ?",
        at - UPLOAD_KEPT_MS,
        SWEEP_BATCH,
      )
      .toArray()
      .map((row) => row.id);
    if (expired.length === 0) return this.nextExpiry();
    try {
      await this.room.env.AVATARS.delete(expired.map((id) => attachmentKey(this.room.roomId, id)));
    } catch (err) {
      console.warn("unsent uploads not removed; the alarm tries again", err);
      return at + SWEEP_RETRY_MS;
    }
    this.#sql.exec(`DELETE FROM uploads WHERE id IN (${expired.map(() => "?").join(", ")})`, ...expired);
    return this.nextExpiry();
  }

  /** When the oldest waiting upload expires, if any waits. */
  nextExpiry(): number | undefined {
    const oldest = this.#sql.exec<{ at: number | null }>("SELECT min(uploaded_at) AS at FROM uploads").one().at;
    return oldest === null ? undefined : oldest + UPLOAD_KEPT_MS;
  }
}

/** Most pages of a deleted room's files one removal lists (1,000 files a page): bounded work. */
const MAX_REMOVAL_PAGES = 100;

/** Removes every file of a deleted room from R2, sent or not. */
export async function removeRoomFiles(bucket: R2Bucket, roomId: number) {
  const prefix = `${attachmentKey(roomId, "")}`;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_REMOVAL_PAGES; page++) {
    const listed = await bucket.list({ prefix, cursor });
    if (listed.objects.length > 0) await bucket.delete(listed.objects.map((object) => object.key));
    if (!listed.truncated) return;
    cursor = listed.cursor;
  }
}

function asFile(row: UploadRow): StoredAttachment {
  const file: StoredAttachment = { id: row.id, name: row.name, size: row.size, content_type: row.content_type };
  if (row.width !== null && row.height !== null) Object.assign(file, { width: row.width, height: row.height });
  return file;
}
