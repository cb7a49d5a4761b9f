/**
 * A room as its conversation sees it: the messages in the room's one order, kept live over
 * the room socket, with older pages fetched over REST on demand. Opened at a linked message,
 * it shows the page around that message and fetches newer pages as well, until they reach
 * the live end (history-window.ts). My sends carry a client id and stay "sending" until
 * acknowledged; after a reconnect they are sent again with the same id, which the server
 * stores only once. A send the server refuses, or that is not acknowledged in time, is
 * "failed" and can be retried.
 *
 * Frames are typed by core/protocol.ts but not parsed with zod here: they come from our
 * own server over our own origin, and zod would double the page's JavaScript.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { RoomFrame, RoomNote, WireMessage } from "../../core/protocol";
import { TYPING_LASTS_MS } from "../../core/protocol-constants";
import { ApiError, answer, api } from "./api";
import {
  type HistoryWindow,
  hasNewer,
  latestWindow,
  linkedWindow,
  toLatest,
  withChanged,
  withLive,
  withNewer,
  withOlder,
} from "./history-window";
import { type LiveSocket, liveSocket } from "./live-socket";
import { dropSend, keepSend, keptSends, offline } from "./outbox";
import { withReaction } from "./reactions";
import { withChangedReply, withReplies, withReplyReaction, withThread } from "./threads";

/**
 * A message of mine not yet acknowledged. The room broadcasts a message to every socket,
 * mine included (with my client id), just before it acknowledges it to me: `echoed` notes
 * the broadcast copy (by id) so the message is not shown twice in between. An error still un-hides it.
 */
export type Outgoing = {
  client_id: string;
  content: string;
  /** Ids of the uploads it sends; absent when none. */
  attachments?: string[];
  status: "sending" | "failed";
  problem?: string;
  echoed?: number;
  /** What it replies to: a quoted message, a thread's root. */
  reply?: Reply;
};

/** A send's reply: a quote of a message, a reply in a root's thread, or both. */
export type Reply = { reply_to?: number; thread?: number };

/** A change to the room, noted in its timeline where it happened: after the message `after`. */
export type { RoomNote } from "../../core/protocol";

export type RoomState = HistoryWindow & {
  outgoing: Outgoing[];
  /** Who else is typing now. */
  typing: number[];
  /** Who has this room open now. */
  here: number[];
  /** Thread replies the socket brought (live, caught up, acknowledged), by root: the thread panel shows them. */
  replies: Record<string, WireMessage[]>;
  /** Reaction frames for replies the socket did not bring, which the thread panel may have paged in. */
  replyReactions: readonly Extract<RoomFrame, { type: "reaction" }>[];
  /** Each participant's read position: the last message id they have seen. */
  reads: Record<string, number>;
  /** My read position when the room opened (its first welcome): the messages after it were new to me. */
  readAtOpen?: number;
  /**
   * Joins, leaves, removals and renames, oldest first: those the pages and catch-ups
   * brought, and the live ones, each once by its id.
   */
  notes: RoomNote[];
  connected: boolean;
  loadingOlder: boolean;
  loadingNewer: boolean;
  /** The first page has arrived (the latest, or the one around the linked message). */
  loaded: boolean;
  /** Opened at a linked message: whether it is shown, or is not in this room. */
  link: "shown" | "missing" | null;
  /** Opened at a thread reply: the root it replies in, shown in its place (the thread opens beside it). */
  linkThread?: number;
  error: string;
};

const PAGE_SIZE = 50;
/** A send not acknowledged within this long is shown as failed, with a retry. */
const ACK_WITHIN_MS = 15_000;
/** Typing frames are sent at most this often while keys are pressed. */
const TYPING_EVERY_MS = 2_000;

const emptyState = (): RoomState => ({
  ...latestWindow({ messages: [], has_more: false }),
  outgoing: [],
  typing: [],
  here: [],
  replies: {},
  replyReactions: [],
  reads: {},
  notes: [],
  connected: false,
  loadingOlder: false,
  loadingNewer: false,
  loaded: false,
  link: null,
  error: "",
});

/** Merges notes into a list in timeline order, each once however often it came. */
export function mergeNotes(list: RoomNote[], incoming: RoomNote[] | undefined): RoomNote[] {
  if (!incoming?.length) return list;
  const byId = new Map(list.map((note) => [note.id, note]));
  for (const note of incoming) byId.set(note.id, note);
  return [...byId.values()].sort((a, b) => a.after - b.after || a.id - b.id);
}

/** The messages a frame carries, oldest first: one, or several a busy room sent together. */
export function messagesIn(frame: RoomFrame): WireMessage[] {
  if (frame.type === "message") return [frame.message];
  if (frame.type === "messages") return frame.messages;
  return [];
}

/**
 * The send of mine a broadcast message echoes, if any: known by its client id, never by its
 * text (two sends of the same text are two messages).
 */
export function echoOf(outgoing: Outgoing[], message: WireMessage, me: number): Outgoing | undefined {
  if (message.sender !== me || message.client_id === undefined) return undefined;
  return outgoing.find((o) => o.status === "sending" && o.echoed === undefined && o.client_id === message.client_id);
}

/**
 * The live room `roomId` for user `me`, opened at the latest or at message `at`.
 * `onMessage` hears every new message and `onMembersChanged` every join, leave or rename, so the
 * room list can follow.
 */
export function useRoom(
  roomId: number,
  me: number,
  onMessage: (message: WireMessage) => void,
  onMembersChanged: () => void,
  at?: number,
) {
  const [state, setState] = useState<RoomState>(emptyState);
  const socket = useRef<LiveSocket | null>(null);
  const lastId = useRef(0);
  /** The room's count of changes at the last catch-up: a reconnect learns what changed since on messages it has. */
  const changesSeen = useRef<number | undefined>(undefined);
  const outgoing = useRef<Outgoing[]>([]);
  const ackTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const lastTypingSent = useRef(0);
  const onMessageRef = useRef(onMessage);
  onMessageRef.current = onMessage;
  const onMembersRef = useRef(onMembersChanged);
  onMembersRef.current = onMembersChanged;

  const setOutgoing = (next: Outgoing[]) => {
    outgoing.current = next;
    setState((s) => ({ ...s, outgoing: next }));
  };
  const fail = (clientId: string, problem: string) => {
    clearTimeout(ackTimers.current.get(clientId));
    setOutgoing(
      outgoing.current.map((o) =>
        o.client_id === clientId ? { ...o, status: "failed", problem, echoed: undefined } : o,
      ),
    );
  };
  const transmit = (item: Outgoing) => {
    clearTimeout(ackTimers.current.get(item.client_id));
    // Offline, a send waits in the outbox for the reconnect rather than failing.
    if (!offline())
      ackTimers.current.set(
        item.client_id,
        setTimeout(() => fail(item.client_id, "Not sent: no answer from the server."), ACK_WITHIN_MS),
      );
    const { client_id, content, attachments, reply } = item;
    socket.current?.send({ type: "send", client_id, content, ...(attachments && { attachments }), ...reply });
  };

  useEffect(() => {
    let stopped = false;
    lastId.current = 0;
    changesSeen.current = undefined;
    outgoing.current = keptSends(roomId).map((kept) => ({ ...kept, status: "sending" }));
    setState({ ...emptyState(), outgoing: outgoing.current });
    const timers = ackTimers.current;
    const typingTimers = new Map<number, ReturnType<typeof setTimeout>>();

    const takeNotes = (notes: RoomNote[] | undefined) => {
      if (notes?.length) setState((s) => ({ ...s, notes: mergeNotes(s.notes, notes) }));
    };
    const take = (messages: WireMessage[]) => {
      if (messages.length === 0) return;
      lastId.current = Math.max(lastId.current, ...messages.map((m) => m.id));
      // Thread replies go to their thread, not the timeline (see core/protocol.ts).
      const timeline = messages.filter((m) => m.thread_root === undefined);
      const replies = messages.filter((m) => m.thread_root !== undefined);
      setState((s) => ({ ...withLive(s, timeline), replies: withReplies(s.replies, replies) }));
    };
    const setTyping = (user: number, typing: boolean) => {
      clearTimeout(typingTimers.get(user));
      if (typing)
        typingTimers.set(
          user,
          setTimeout(() => setTyping(user, false), TYPING_LASTS_MS),
        );
      setState((s) => ({
        ...s,
        typing: typing ? [...new Set([...s.typing, user])] : s.typing.filter((u) => u !== user),
      }));
    };
    /** A catch-up longer than the socket replays: the rest over REST, a page at a time. */
    const fillGap = async () => {
      for (let more = true; more && !stopped; ) {
        const page = await answer(
          api.rooms[":id"].messages.$get({
            param: { id: String(roomId) },
            query: { after: String(lastId.current), limit: "100" },
          }),
        );
        take(page.messages);
        takeNotes(page.notes);
        more = page.has_more && page.messages.length > 0;
      }
    };

    const received = (message: WireMessage) => {
      const echo = echoOf(outgoing.current, message, me);
      if (echo) setOutgoing(outgoing.current.map((o) => (o === echo ? { ...o, echoed: message.id } : o)));
      take([message]);
      setTyping(message.sender, false);
      // A thread reply is not the room's latest message: the room list's preview stays.
      if (message.thread_root === undefined) onMessageRef.current(message);
    };

    const onFrame = (data: unknown) => {
      const frame = data as RoomFrame;
      switch (frame.type) {
        case "welcome":
          // A reconnect's welcome keeps the first: what was new when I opened the room stays so.
          setState((s) => ({ ...s, reads: frame.reads, readAtOpen: s.readAtOpen ?? frame.reads[me] ?? 0 }));
          break;
        case "message":
        case "messages":
          messagesIn(frame).forEach(received);
          break;
        case "caught_up":
          lastId.current = Math.max(lastId.current, frame.last_id);
          changesSeen.current = frame.changes ?? changesSeen.current;
          takeNotes(frame.notes);
          if (frame.has_more) fillGap().catch((err: Error) => setState((s) => ({ ...s, error: err.message })));
          for (const item of outgoing.current) if (item.status === "sending") transmit(item);
          break;
        case "ack":
          clearTimeout(timers.get(frame.client_id));
          dropSend(roomId, frame.client_id);
          setOutgoing(outgoing.current.filter((o) => o.client_id !== frame.client_id));
          take([frame.message]);
          if (frame.message.thread_root === undefined) onMessageRef.current(frame.message);
          break;
        case "message_edited":
        case "message_deleted":
          setState((s) => ({
            ...withChanged(s, [frame.message]),
            replies: withChangedReply(s.replies, frame.message),
          }));
          break;
        case "thread_updated":
          setState((s) => withThread(s, frame.root, frame.thread));
          break;
        case "reaction":
          setState((s) => {
            const message =
              s.messages.find((m) => m.id === frame.message) ?? s.tail?.find((m) => m.id === frame.message);
            // A root is in the timeline; a reply is in its thread's list, or only in the open panel's pages.
            if (message) return withChanged(s, [withReaction(message, frame)]);
            const { replies, kept } = withReplyReaction(s.replies, s.replyReactions, frame);
            return { ...s, replies, replyReactions: kept };
          });
          break;
        case "typing":
          if (frame.user !== me) setTyping(frame.user, frame.typing);
          break;
        case "read":
          setState((s) => ({
            ...s,
            reads: { ...s.reads, [frame.user]: Math.max(s.reads[frame.user] ?? 0, frame.up_to) },
          }));
          break;
        case "here":
          setState((s) => ({ ...s, here: frame.users }));
          break;
        case "error":
          if (frame.client_id) fail(frame.client_id, frame.message);
          else setState((s) => ({ ...s, error: frame.message }));
          break;
        case "member_joined":
        case "member_left":
        case "renamed":
          takeNotes([frame.note]);
          onMembersRef.current();
          break;
      }
    };

    const pages = (query: { around?: string; limit: string }) =>
      answer(api.rooms[":id"].messages.$get({ param: { id: String(roomId) }, query }));
    const limit = String(PAGE_SIZE);
    // Without the page around the linked message (not in this room, or not reachable now),
    // the room opens at the latest and says why.
    const around =
      at === undefined ? Promise.resolve(undefined) : pages({ around: String(at), limit }).catch((err: Error) => err);
    // The latest page over REST, then the socket from just after it: nothing in between is lost.
    Promise.all([pages({ limit }), around])
      .then(([latest, linked]) => {
        if (stopped) return;
        lastId.current = Math.max(0, ...latest.messages.map((m) => m.id));
        const missing = linked instanceof ApiError && linked.status === 404;
        setState((s) => {
          const notes = mergeNotes(s.notes, [
            ...(latest.notes ?? []),
            ...(linked instanceof Error ? [] : (linked?.notes ?? [])),
          ]);
          s = { ...s, notes };
          if (linked === undefined) return { ...s, ...latestWindow(latest), loaded: true };
          if (!(linked instanceof Error))
            return { ...s, ...linkedWindow(linked, latest), link: "shown", linkThread: linked.thread, loaded: true };
          const error = missing ? "" : `Could not open the linked message: ${linked.message}`;
          return { ...s, ...latestWindow(latest), link: missing ? "missing" : null, error, loaded: true };
        });
        const address = () => {
          const changes = changesSeen.current === undefined ? "" : `&changes=${changesSeen.current}`;
          return `/api/v1/rooms/${roomId}/socket/?after=${lastId.current}${changes}`;
        };
        socket.current = liveSocket(address, onFrame, (connected) => setState((s) => ({ ...s, connected })));
      })
      .catch((err: Error) => setState((s) => ({ ...s, error: err.message, loaded: true })));
    return () => {
      stopped = true;
      socket.current?.close();
      socket.current = null;
      for (const timer of [...timers.values(), ...typingTimers.values()]) clearTimeout(timer);
      timers.clear();
    };
  }, [roomId, me, at]);

  const loadOlder = useCallback(async () => {
    const first = state.messages[0]?.id;
    if (!first || !state.hasOlder || state.loadingOlder) return;
    setState((s) => ({ ...s, loadingOlder: true }));
    try {
      const page = await answer(
        api.rooms[":id"].messages.$get({
          param: { id: String(roomId) },
          query: { before: String(first), limit: String(PAGE_SIZE) },
        }),
      );
      setState((s) => ({ ...withOlder(s, page), notes: mergeNotes(s.notes, page.notes), loadingOlder: false }));
    } catch (err) {
      setState((s) => ({ ...s, loadingOlder: false, error: (err as Error).message }));
    }
  }, [roomId, state.messages, state.hasOlder, state.loadingOlder]);

  /** The next newer page below an older stretch; once it reaches the live end, live messages join. */
  const loadNewer = useCallback(async () => {
    const last = state.messages.at(-1)?.id;
    if (!last || !hasNewer(state) || state.loadingNewer) return;
    setState((s) => ({ ...s, loadingNewer: true }));
    try {
      const page = await answer(
        api.rooms[":id"].messages.$get({
          param: { id: String(roomId) },
          query: { after: String(last), limit: String(PAGE_SIZE) },
        }),
      );
      setState((s) => ({ ...withNewer(s, page), notes: mergeNotes(s.notes, page.notes), loadingNewer: false }));
    } catch (err) {
      setState((s) => ({ ...s, loadingNewer: false, error: (err as Error).message }));
    }
  }, [roomId, state.messages, state.tail, state.loadingNewer]);

  return {
    state,
    loadOlder,
    loadNewer,
    /** Leaves an older stretch for the latest messages. */
    toLatest: () => setState(toLatest),
    send(content: string, reply?: Reply, attachments?: string[]) {
      const item: Outgoing = { client_id: crypto.randomUUID(), content, status: "sending", ...(reply && { reply }) };
      if (attachments?.length) item.attachments = attachments;
      const { status: _, ...kept } = item;
      keepSend(roomId, kept);
      setOutgoing([...outgoing.current, item]);
      setState((s) => ({ ...s, error: "" }));
      lastTypingSent.current = 0;
      transmit(item);
    },
    /** Sends a failed message again with its first id, so it can never be stored twice. */
    retry(clientId: string) {
      const item = outgoing.current.find((o) => o.client_id === clientId);
      if (!item) return;
      const again: Outgoing = { ...item, status: "sending", problem: undefined, echoed: undefined };
      setOutgoing(outgoing.current.map((o) => (o.client_id === clientId ? again : o)));
      transmit(again);
    },
    discard(clientId: string) {
      clearTimeout(ackTimers.current.get(clientId));
      dropSend(roomId, clientId);
      setOutgoing(outgoing.current.filter((o) => o.client_id !== clientId));
    },
    async edit(id: number, content: string) {
      const message = await answer(api.messages[":id"].$patch({ param: { id: String(id) }, json: { content } }));
      setState((s) => withChanged(s, [message]));
    },
    async remove(id: number) {
      await answer(api.messages[":id"].$delete({ param: { id: String(id) } }));
      setState((s) => {
        const gone = s.messages.find((m) => m.id === id) ?? s.tail?.find((m) => m.id === id);
        // Its frame, which may come first, says whether a superuser removed it.
        return gone && !gone.deleted ? withChanged(s, [{ ...gone, content: "", deleted: true }]) : s;
      });
    },
    /** Adds or takes back my reaction; its frame, which may come first, changes nothing more. */
    async react(id: number, emoji: string, add: boolean) {
      const param = { id: String(id), emoji: encodeURIComponent(emoji) };
      const route = api.messages[":id"].reactions[":emoji"];
      const message = await answer(add ? route.$put({ param }) : route.$delete({ param }));
      setState((s) => withChanged(s, [message]));
    },
    typing() {
      if (Date.now() - lastTypingSent.current < TYPING_EVERY_MS) return;
      // Only a signal that went out counts against the limit: one typed while the socket
      // opens would otherwise hide the next ones for two seconds.
      if (socket.current?.send({ type: "typing" })) lastTypingSent.current = Date.now();
    },
    read(upTo: number) {
      socket.current?.send({ type: "read", up_to: upTo });
    },
    reconnect: () => socket.current?.reconnect(),
  };
}
