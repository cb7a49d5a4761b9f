/**
 * Threads as a room's client keeps them: the replies the socket brought, by root, and each
 * root's summary, which the server sends whole in `thread_updated` (never counted here, so
 * it stays exact after deletes).
 */
import type { WireMessage } from "../../core/protocol";
import { type HistoryWindow, mergeMessages, withChanged } from "./history-window";

export type ThreadSummary = NonNullable<WireMessage["thread"]>;
type Replies = Record<string, WireMessage[]>;

/** New replies, each merged into its root's list in id order. */
export function withReplies(replies: Replies, incoming: WireMessage[]): Replies {
  if (incoming.length === 0) return replies;
  const next = { ...replies };
  for (const reply of incoming) {
    const root = String(reply.thread_root);
    next[root] = mergeMessages(next[root] ?? [], [reply]);
  }
  return next;
}

/** An edited or deleted reply replaces its copy; other messages change nothing here. */
export function withChangedReply(replies: Replies, message: WireMessage): Replies {
  if (message.thread_root === undefined) return replies;
  const root = String(message.thread_root);
  const list = replies[root];
  return list ? { ...replies, [root]: list.map((m) => (m.id === message.id ? message : m)) } : replies;
}

/** A root's new summary, on its copy wherever it is shown; absent when it has no replies left. */
export function withThread<W extends HistoryWindow>(window: W, root: number, thread: ThreadSummary | undefined): W {
  const shown = window.messages.find((m) => m.id === root) ?? window.tail?.find((m) => m.id === root);
  if (!shown) return window;
  const { thread: _, ...rest } = shown;
  return withChanged(window, [thread ? { ...rest, thread } : rest]);
}

/** "3 replies · last reply 10:16", the time as the client shows times. */
export function summaryText(thread: ThreadSummary, time: (iso: string) => string): string {
  const count = thread.reply_count === 1 ? "1 reply" : `${thread.reply_count} replies`;
  return `${count} · last reply ${time(thread.last_reply_at)}`;
}
