/**
 * The files a composer is about to send: each uploads to the room as soon as it is picked,
 * pasted or dropped, with its own progress, and the message then names the ones that made it.
 */
import { useRef, useState } from "preact/hooks";
import { MAX_ATTACHMENTS } from "../../core/protocol-constants";
import { uploadAttachment } from "./api";

export type PendingFile = {
  key: string;
  name: string;
  /** From 0 to 1. */
  progress: number;
  /** The upload's id once stored. */
  id?: string;
  problem?: string;
};

export function useUploads(roomId: number | undefined) {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const aborts = useRef(new Map<string, AbortController>());
  const change = (key: string, update: Partial<PendingFile>) =>
    setFiles((all) => all.map((file) => (file.key === key ? { ...file, ...update } : file)));

  const add = (picked: File[]) => {
    if (roomId === undefined) return;
    const left = Math.max(0, MAX_ATTACHMENTS - files.length);
    const taken = picked.slice(0, left).map((file) => ({ file, key: crypto.randomUUID() }));
    const refused = picked.slice(left).map((file) => ({
      key: crypto.randomUUID(),
      name: file.name,
      progress: 0,
      problem: `At most ${MAX_ATTACHMENTS} files a message.`,
    }));
    setFiles((all) => [...all, ...taken.map(({ file, key }) => ({ key, name: file.name, progress: 0 })), ...refused]);
    for (const { file, key } of taken) {
      const abort = new AbortController();
      aborts.current.set(key, abort);
      uploadAttachment(roomId, file, (progress) => change(key, { progress }), abort.signal).then(
        (answer) => change(key, { id: answer.id, progress: 1 }),
        (err: Error) => {
          if (err.name !== "AbortError") change(key, { problem: err.message });
        },
      );
    }
  };

  return {
    files,
    add,
    remove(key: string) {
      aborts.current.get(key)?.abort();
      aborts.current.delete(key);
      setFiles((all) => all.filter((file) => file.key !== key));
    },
    /** Forgets the files once their message is sent. */
    clear() {
      aborts.current.clear();
      setFiles([]);
    },
    /** Whether some are still on their way. */
    busy: files.some((file) => file.id === undefined && file.problem === undefined),
    /** The uploads that made it, in the order added. */
    ids: files.flatMap((file) => (file.id ? [file.id] : [])),
  };
}
