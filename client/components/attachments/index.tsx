/**
 * Files in a conversation: a message's images as thumbnails sized from their declared width
 * and height (so the page does not move when they load), opening in a lightbox fetched only
 * when first wanted, and its other files as download links; and the composer's files on
 * their way, each with its progress. Names are always text.
 */
import { useState } from "preact/hooks";
import type { WireAttachment } from "../../../core/protocol";
import { useLazy } from "../../lib/use-lazy";
import type { PendingFile } from "../../lib/use-uploads";
import styles from "./attachments.module.css";

/** The largest side of a thumbnail, in CSS pixels. */
const THUMB_SIDE = 240;

export const isImage = (file: WireAttachment) =>
  file.content_type.startsWith("image/") && file.width !== undefined && file.height !== undefined;

/** "12 KB", "3.4 MB": a file's size as people read it. */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function thumbSize(file: WireAttachment) {
  const scale = Math.min(1, THUMB_SIDE / file.width!, THUMB_SIDE / file.height!);
  return { width: Math.max(1, Math.round(file.width! * scale)), height: Math.max(1, Math.round(file.height! * scale)) };
}

export function MessageFiles({ files }: { files: WireAttachment[] }) {
  const images = files.filter(isImage);
  const others = files.filter((file) => !isImage(file));
  const [open, setOpen] = useState<number | null>(null);
  const lightbox = useLazy(() => import("./lightbox"), open !== null);
  return (
    <div class={styles.files}>
      {images.map((file, index) => (
        <button
          key={file.id}
          type="button"
          class={styles.thumb}
          aria-label={`Open ${file.name}`}
          onClick={() => setOpen(index)}
        >
          <img src={file.url} alt={file.name} loading="lazy" {...thumbSize(file)} />
        </button>
      ))}
      {others.map((file) => (
        <a key={file.id} class={styles.download} href={file.url} download={file.name}>
          <span>{file.name}</span>
          <span class={styles.size}>{fileSize(file.size)}</span>
        </a>
      ))}
      {open !== null && lightbox.module && (
        <lightbox.module.Lightbox images={images} start={open} onClose={() => setOpen(null)} />
      )}
    </div>
  );
}

export function PendingFiles({ files, onRemove }: { files: PendingFile[]; onRemove: (key: string) => void }) {
  if (files.length === 0) return null;
  return (
    <ul class={styles.pending} aria-label="Files to send">
      {files.map((file) => (
        <li key={file.key}>
          <span>{file.name}</span>
          {file.problem ? (
            <span class={styles.problem}>{file.problem}</span>
          ) : (
            <progress max={1} value={file.progress} aria-label={`Uploading ${file.name}`} />
          )}
          <button type="button" onClick={() => onRemove(file.key)} aria-label={`Remove ${file.name}`}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
