/**
 * The stretch of a room's history a conversation shows: one unbroken run of messages, oldest
 * first, which grows older pages at its top. Opened at the latest, live messages join it as
 * they come. Opened at a linked message, it starts as an older stretch: the live end of the
 * room (its latest page, then the socket's messages) waits aside as the tail, and newer pages
 * grow the stretch down until it reaches the tail's first message, when the two become one.
 * Joining only where they overlap is what keeps a message from being skipped or shown twice.
 */
import type { WireMessage } from "../../core/protocol";

export type HistoryWindow = {
  messages: WireMessage[];
  /** Older messages than the first shown exist. */
  hasOlder: boolean;
  /** The live end, kept aside while an older stretch is shown; null once they are one. */
  tail: WireMessage[] | null;
  /** Older messages than the tail's first exist. */
  tailHasOlder: boolean;
};

type Page = { messages: WireMessage[]; has_more: boolean };

/** Merges messages into a list in id order, a newer copy (an edit, a delete) replacing the old. */
export function mergeMessages(list: WireMessage[], incoming: WireMessage[]): WireMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Whether newer messages than the last shown exist that are not shown. */
export const hasNewer = (window: HistoryWindow) => window.tail !== null;

/** Opened at the latest: its latest page, which live messages extend. */
export const latestWindow = (latest: Page): HistoryWindow => ({
  messages: latest.messages,
  hasOlder: latest.has_more,
  tail: null,
  tailHasOlder: false,
});

/** Opened at a linked message: the page around it, with the latest page as the tail. */
export const linkedWindow = (around: Page, latest: Page): HistoryWindow =>
  joined({
    messages: around.messages,
    hasOlder: around.has_more,
    tail: latest.messages,
    tailHasOlder: latest.has_more,
  });

/** The stretch and the tail as one, once the stretch reaches the tail's first message. */
function joined<W extends HistoryWindow>(window: W): W {
  const { messages, tail } = window;
  const first = tail?.[0];
  const last = messages.at(-1);
  if (!tail || !first || !last || last.id < first.id) return window;
  const hasOlder = first.id < messages[0].id ? window.tailHasOlder : window.hasOlder;
  return { ...window, messages: mergeMessages(messages, tail), hasOlder, tail: null };
}

/** New messages from the room (its socket, a catch-up, my acknowledged sends): at the live end. */
export function withLive<W extends HistoryWindow>(window: W, incoming: WireMessage[]): W {
  if (incoming.length === 0) return window;
  if (window.tail) return joined({ ...window, tail: mergeMessages(window.tail, incoming) });
  return { ...window, messages: mergeMessages(window.messages, incoming) };
}

/**
 * Edited or deleted messages: each replaces its copy where one is shown or waiting. One not
 * loaded is left out, so no message appears apart from the ones around it.
 */
export function withChanged<W extends HistoryWindow>(window: W, changed: WireMessage[]): W {
  const byId = new Map(changed.map((m) => [m.id, m]));
  const replace = (list: WireMessage[]) => list.map((m) => byId.get(m.id) ?? m);
  return { ...window, messages: replace(window.messages), tail: window.tail && replace(window.tail) };
}

/** A page of older messages (before the first shown) at the top. */
export function withOlder<W extends HistoryWindow>(window: W, page: Page): W {
  return { ...window, messages: mergeMessages(page.messages, window.messages), hasOlder: page.has_more };
}

/** A page of newer messages (after the last shown) at the bottom, joining the tail if it reaches it. */
export function withNewer<W extends HistoryWindow>(window: W, page: Page): W {
  return joined({ ...window, messages: mergeMessages(window.messages, page.messages) });
}

/** Leaves an older stretch for the live end; the stretch is dropped. */
export function toLatest<W extends HistoryWindow>(window: W): W {
  if (!window.tail) return window;
  return { ...window, messages: window.tail, hasOlder: window.tailHasOlder, tail: null };
}
