/**
 * A room as its conversation sees it: the messages in the room's one order, kept live over
 * the room socket, with older pages fetched over REST on demand. My sends carry a client id
 * and stay "sending" until acknowledged; after a reconnect they are sent again with the
 * same id, which the server stores only once. A send the server refuses, or that is not
 * acknowledged in time, is "failed" and can be retried.
 *
 * Frames are typed by core/protocol.ts but not parsed with zod here: they come from our
 * own server over our own origin, and zod would double the page's JavaScript.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { RoomFrame, WireMessage } from "../../core/protocol";
import { TYPING_LASTS_MS } from "../../core/protocol-constants";
import { answer, api } from "./api";
import { type LiveSocket, liveSocket } from "./live-socket";

/**
 * A message of mine not yet acknowledged. The room broadcasts a message to every socket,
 * mine included (with my client id), just before it acknowledges it to me: `echoed` notes
 * the broadcast copy (by id) so the message is not shown twice in between. An error still un-hides it.
 */
export type Outgoing = {
  client_id: string;
  content: string;
  status: "sending" | "failed";
  problem?: string;
  echoed?: number;
};

export type RoomState = {
  messages: WireMessage[];
  outgoing: Outgoing[];
  /** Who else is typing now. */
  typing: number[];
  /** Who has this room open now. */
  here: number[];
  /** Each participant's read position: the last message id they have seen. */
  reads: Record<string, number>;
  connected: boolean;
  /** Whether older messages than the first one loaded exist. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** The latest page has arrived. */
  loaded: boolean;
  error: string;
};

const PAGE_SIZE = 50;
/** A send not acknowledged within this long is shown as failed, with a retry. */
const ACK_WITHIN_MS = 15_000;
/** Typing frames are sent at most this often while keys are pressed. */
const TYPING_EVERY_MS = 2_000;

const emptyState = (): RoomState => ({
  messages: [],
  outgoing: [],
  typing: [],
  here: [],
  reads: {},
  connected: false,
  hasOlder: false,
  loadingOlder: false,
  loaded: false,
  error: "",
});

/** The messages a frame carries, oldest first: one, or several a busy room sent together. */
export function messagesIn(frame: RoomFrame): WireMessage[] {
  if (frame.type === "message") return [frame.message];
  if (frame.type === "messages") return frame.messages;
  return [];
}

/** Merges messages into a list in id order, a newer copy (an edit, a delete) replacing the old. */
export function mergeMessages(list: WireMessage[], incoming: WireMessage[]): WireMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.id - b.id);
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
 * The live room `roomId` for user `me`. `onMessage` hears every new message and
 * `onMembersChanged` every join or leave, so the room list can follow.
 */
export function useRoom(
  roomId: number,
  me: number,
  onMessage: (message: WireMessage) => void,
  onMembersChanged: () => void,
) {
  const [state, setState] = useState<RoomState>(emptyState);
  const socket = useRef<LiveSocket | null>(null);
  const lastId = useRef(0);
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
    ackTimers.current.set(
      item.client_id,
      setTimeout(() => fail(item.client_id, "Not sent: no answer from the server."), ACK_WITHIN_MS),
    );
    socket.current?.send({ type: "send", client_id: item.client_id, content: item.content });
  };

  useEffect(() => {
    let stopped = false;
    lastId.current = 0;
    outgoing.current = [];
    setState(emptyState());
    const timers = ackTimers.current;
    const typingTimers = new Map<number, ReturnType<typeof setTimeout>>();

    const take = (messages: WireMessage[]) => {
      if (messages.length === 0) return;
      lastId.current = Math.max(lastId.current, ...messages.map((m) => m.id));
      setState((s) => ({ ...s, messages: mergeMessages(s.messages, messages) }));
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
        more = page.has_more && page.messages.length > 0;
      }
    };

    const received = (message: WireMessage) => {
      const echo = echoOf(outgoing.current, message, me);
      if (echo) setOutgoing(outgoing.current.map((o) => (o === echo ? { ...o, echoed: message.id } : o)));
      take([message]);
      setTyping(message.sender, false);
      onMessageRef.current(message);
    };

    const onFrame = (data: unknown) => {
      const frame = data as RoomFrame;
      switch (frame.type) {
        case "welcome":
          setState((s) => ({ ...s, reads: frame.reads }));
          break;
        case "message":
        case "messages":
          messagesIn(frame).forEach(received);
          break;
        case "caught_up":
          lastId.current = Math.max(lastId.current, frame.last_id);
          if (frame.has_more) fillGap().catch((err: Error) => setState((s) => ({ ...s, error: err.message })));
          for (const item of outgoing.current) if (item.status === "sending") transmit(item);
          break;
        case "ack":
          clearTimeout(timers.get(frame.client_id));
          setOutgoing(outgoing.current.filter((o) => o.client_id !== frame.client_id));
          take([frame.message]);
          onMessageRef.current(frame.message);
          break;
        case "message_edited":
        case "message_deleted":
          take([frame.message]);
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
          onMembersRef.current();
          break;
      }
    };

    // The latest page over REST, then the socket from just after it: nothing in between is lost.
    answer(api.rooms[":id"].messages.$get({ param: { id: String(roomId) }, query: { limit: String(PAGE_SIZE) } }))
      .then((page) => {
        if (stopped) return;
        take(page.messages);
        setState((s) => ({ ...s, hasOlder: page.has_more, loaded: true }));
        const address = () => `/api/v1/rooms/${roomId}/socket/?after=${lastId.current}`;
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
  }, [roomId, me]);

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
      setState((s) => ({
        ...s,
        messages: mergeMessages(s.messages, page.messages),
        hasOlder: page.has_more,
        loadingOlder: false,
      }));
    } catch (err) {
      setState((s) => ({ ...s, loadingOlder: false, error: (err as Error).message }));
    }
  }, [roomId, state.messages, state.hasOlder, state.loadingOlder]);

  return {
    state,
    loadOlder,
    send(content: string) {
      const item: Outgoing = { client_id: crypto.randomUUID(), content, status: "sending" };
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
      setOutgoing(outgoing.current.filter((o) => o.client_id !== clientId));
    },
    async edit(id: number, content: string) {
      const message = await answer(api.messages[":id"].$patch({ param: { id: String(id) }, json: { content } }));
      setState((s) => ({ ...s, messages: mergeMessages(s.messages, [message]) }));
    },
    async remove(id: number) {
      await answer(api.messages[":id"].$delete({ param: { id: String(id) } }));
      setState((s) => ({
        ...s,
        messages: s.messages.map((m) => (m.id === id ? { ...m, content: "", deleted: true } : m)),
      }));
    },
    typing() {
      if (Date.now() - lastTypingSent.current < TYPING_EVERY_MS) return;
      lastTypingSent.current = Date.now();
      socket.current?.send({ type: "typing" });
    },
    read(upTo: number) {
      socket.current?.send({ type: "read", up_to: upTo });
    },
    reconnect: () => socket.current?.reconnect(),
  };
}
