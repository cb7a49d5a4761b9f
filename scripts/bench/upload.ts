/**
 * Upload throughput: a 20 MiB file through POST /api/v1/rooms/{id}/attachments/ (multipart,
 * signed in, judged, put in R2, registered with the room) beside the same bytes put in R2
 * plainly by the counting build's /__bench/r2-put, in the same run, one after the other.
 */
import { performance } from "node:perf_hooks";
import type { Chat } from "./app.ts";
import { median } from "./statistics.ts";

export const UPLOAD_BYTES = 20 * 1024 * 1024;

export type UploadRun = { routeMBps: number; r2PutMBps: number };
export type UploadReport = { mebibytes: number; runs: UploadRun[]; summary: UploadRun & { ratio: number } };

/** Bytes that do not compress, as a photo or an archive would not. */
function fileBytes(): Uint8Array {
  const bytes = new Uint8Array(UPLOAD_BYTES);
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

/** Megabytes (10^6 bytes) a second that `send` moved. */
async function timed(send: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const answer = await send();
  if (!answer.ok) throw new Error(`upload failed: ${answer.status} ${await answer.text()}`);
  await answer.arrayBuffer();
  return UPLOAD_BYTES / 1e6 / ((performance.now() - started) / 1000);
}

export async function measureUpload(chat: Chat, repeats: number): Promise<UploadReport> {
  const bytes = fileBytes();
  const roomId = chat.rooms.get(2)!;
  const runs: UploadRun[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    // A fresh token each repeat: a slow machine can outlast one.
    const token = await chat.signIn("bench0");
    const form = new FormData();
    form.append("file", new Blob([bytes]), "bench.bin");
    const routeMBps = await timed(() =>
      fetch(`${chat.url}/api/v1/rooms/${roomId}/attachments/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      }),
    );
    const r2PutMBps = await timed(() => fetch(`${chat.url}/__bench/r2-put`, { method: "PUT", body: bytes }));
    runs.push({ routeMBps, r2PutMBps });
    console.log(`  upload: route ${routeMBps.toFixed(1)} MB/s, plain R2 put ${r2PutMBps.toFixed(1)} MB/s`);
  }
  const routeMBps = median(runs.map((run) => run.routeMBps));
  const r2PutMBps = median(runs.map((run) => run.r2PutMBps));
  return {
    mebibytes: UPLOAD_BYTES / 1024 / 1024,
    runs,
    summary: { routeMBps, r2PutMBps, ratio: routeMBps / r2PutMBps },
  };
}
