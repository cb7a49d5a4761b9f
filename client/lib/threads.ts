/**
 * Threads as a room's client keeps them: the replies the socket brought, by root, and each
 * root's summary, which the server sends whole in `thread_updated` (never counted here, so
 * it stays exact after deletes).
 */
import type { RoomFrame, WireMessage } from "../../core/protocol";
import { type HistoryWindow, mergeMessages, withChanged } from "./history-window";
import { withReaction } from "./reactions";

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

/**
 * An edited or deleted reply replaces its copy, or joins its thread's list when the socket had
 * not brought it (the thread panel shows the socket's copy over the one it paged in); other
 * messages change nothing here.
 */
export function withChangedReply(replies: Replies, message: WireMessage): Replies {
  if (message.thread_root === undefined) return replies;
  return withReplies(replies, [message]);
}

type ReactionFrame = Extract<RoomFrame, { type: "reaction" }>;
/** Reaction frames kept for replies only the thread panel has (it pages them in itself). */
export const KEPT_REPLY_REACTIONS = 500;

/**
 * A reaction frame applied to the reply it is for, if the socket brought that reply; else
 * kept (the latest KEPT_REPLY_REACTIONS) for the thread panel to apply to the replies it paged in.
 */
export function withReplyReaction(
  replies: Replies,
  kept: readonly ReactionFrame[],
  frame: ReactionFrame,
): { replies: Replies; kept: readonly ReactionFrame[] } {
  for (const [root, list] of Object.entries(replies)) {
    const reply = list.find((m) => m.id === frame.message);
    if (reply) {
      const changed = withReaction(reply, frame);
      return { replies: { ...replies, [root]: list.map((m) => (m === reply ? changed : m)) }, kept };
    }
  }
  return { replies, kept: [...kept, frame].slice(-KEPT_REPLY_REACTIONS) };
}

/** Paged-in replies with the kept reaction frames applied, in the order they came (each is idempotent). */
export function withKeptReactions(messages: WireMessage[], kept: readonly ReactionFrame[]): WireMessage[] {
  if (kept.length === 0) return messages;
  return messages.map((message) =>
    kept.reduce((shown, frame) => (frame.message === message.id ? withReaction(shown, frame) : shown), message),
  );
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
