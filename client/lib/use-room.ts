/**
 * A room as its page sees it: the messages in the room's one order, kept live over the
 * room socket. Sends carry a client id and stay "pending" until acknowledged; after a
 * reconnect they are sent again with the same id, which the server stores only once.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { RoomFrame, TYPING_LASTS_MS, type WireMessage } from "../../durable/protocol";
import { liveSocket, type LiveSocket } from "./live-socket";
import type { Session } from "./session";

export type Pending = { client_id: string; content: string };

export type RoomState = {
  messages: WireMessage[];
  pending: Pending[];
  typing: number[];
  here: number[];
  reads: Record<string, number>;
  connected: boolean;
  error: string;
};

export function useRoom(session: Session, roomId: number, me: number) {
  const [state, setState] = useState<RoomState>({ messages: [], pending: [], typing: [], here: [], reads: {}, connected: false, error: "" });
  const socket = useRef<LiveSocket | null>(null);
  const lastId = useRef(0);
  const pending = useRef<Pending[]>([]);
  const typingTimers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    lastId.current = 0;
    pending.current = [];
    setState({ messages: [], pending: [], typing: [], here: [], reads: {}, connected: false, error: "" });

    const upsert = (message: WireMessage) =>
      setState((s) => {
        const others = s.messages.filter((m) => m.id !== message.id);
        return { ...s, messages: [...others, message].sort((a, b) => a.id - b.id) };
      });
    const setTyping = (user: number, typing: boolean) => {
      clearTimeout(typingTimers.current.get(user));
      if (typing) typingTimers.current.set(user, setTimeout(() => setTyping(user, false), TYPING_LASTS_MS));
      setState((s) => ({ ...s, typing: typing ? [...new Set([...s.typing, user])] : s.typing.filter((u) => u !== user) }));
    };

    const onFrame = (data: unknown) => {
      const parsed = RoomFrame.safeParse(data);
      if (!parsed.success) return;
      const frame = parsed.data;
      switch (frame.type) {
        case "welcome":
          setState((s) => ({ ...s, reads: frame.reads }));
          break;
        case "message":
          lastId.current = Math.max(lastId.current, frame.message.id);
          upsert(frame.message);
          break;
        case "caught_up":
          lastId.current = Math.max(lastId.current, frame.last_id);
          for (const p of pending.current) socket.current?.send({ type: "send", ...p });
          break;
        case "ack":
          pending.current = pending.current.filter((p) => p.client_id !== frame.client_id);
          setState((s) => ({ ...s, pending: pending.current }));
          upsert(frame.message);
          break;
        case "message_edited":
        case "message_deleted":
          upsert(frame.message);
          break;
        case "typing":
          if (frame.user !== me) setTyping(frame.user, frame.typing);
          break;
        case "read":
          setState((s) => ({ ...s, reads: { ...s.reads, [frame.user]: frame.up_to } }));
          break;
        case "here":
          setState((s) => ({ ...s, here: frame.users }));
          break;
        case "error":
          if (frame.client_id) pending.current = pending.current.filter((p) => p.client_id !== frame.client_id);
          setState((s) => ({ ...s, pending: pending.current, error: frame.message }));
          break;
        case "member_joined":
        case "member_left":
          break;
      }
    };
    // The latest page over REST, then the socket from just after it: nothing in between is lost.
    let stopped = false;
    session
      .call<{ messages: WireMessage[] }>("GET", `/rooms/${roomId}/messages/?limit=50`)
      .then(({ messages }) => {
        if (stopped) return;
        lastId.current = messages.at(-1)?.id ?? 0;
        setState((s) => ({ ...s, messages }));
        const path = () => `/api/v1/rooms/${roomId}/socket/?after=${lastId.current}`;
        socket.current = liveSocket(session, path, onFrame, (connected) => setState((s) => ({ ...s, connected })));
      })
      .catch((err: Error) => setState((s) => ({ ...s, error: err.message })));
    return () => {
      stopped = true;
      socket.current?.close();
    };
  }, [session, roomId, me]);

  return {
    state,
    send(content: string) {
      const item = { client_id: crypto.randomUUID(), content };
      pending.current = [...pending.current, item];
      setState((s) => ({ ...s, pending: pending.current, error: "" }));
      socket.current?.send({ type: "send", ...item });
    },
    typing: () => socket.current?.send({ type: "typing" }),
    read: (upTo: number) => socket.current?.send({ type: "read", up_to: upTo }),
  };
}
