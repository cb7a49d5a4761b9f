/**
 * My conversations as the sidebar shows them: every room I am in, latest activity first,
 * each with its latest message and my unread count, kept live by the inbox socket (new
 * messages anywhere, unread counts, being added to or removed from a room, a new title, an
 * edited or deleted latest message). After the
 * socket comes back from a drop, the list is read again so nothing missed is stale.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { InboxFrame, WireMessage } from "../../core/protocol";
import { notifyLevel } from "../../core/protocol-constants";
import { answer, api, type RoomPage } from "./api";
import { type LiveSocket, liveSocket } from "./live-socket";

export type RoomSummary = RoomPage["results"][number];

/** Most rooms the sidebar lists; the API's largest page. */
const ROOMS_PAGE = 100;
/**
 * The inbox does not send presence, so while the page is looked at the list is read again
 * this often to keep the online dots true.
 */
const PRESENCE_REFRESH_MS = 60_000;

const byActivity = (a: RoomSummary, b: RoomSummary) => b.last_activity.localeCompare(a.last_activity) || b.id - a.id;

/** A room's summary after `message` arrived in it; an unread one that mentions `me` counts as a mention too. */
export function withMessage(room: RoomSummary, message: WireMessage, unread: boolean, me: number): RoomSummary {
  const latestId = room.messages.at(-1)?.id ?? 0;
  const newer = latestId <= message.id;
  // The open room's socket and the inbox both tell of its messages: each counts once.
  const counted = unread && latestId < message.id;
  return {
    ...room,
    messages: newer ? [message] : room.messages,
    last_activity: newer && message.timestamp > room.last_activity ? message.timestamp : room.last_activity,
    unread_count: room.unread_count + (counted ? 1 : 0),
    mention_count: room.mention_count + (counted && message.mentions?.includes(me) ? 1 : 0),
  };
}

export type InboxEvents = {
  /** A message from someone else arrived in `room` (read again first if it was new to me). */
  onIncoming(room: RoomSummary | undefined, title: string, message: WireMessage): void;
};

export function useInbox(me: number, openRoom: number | null, events: InboxEvents) {
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [connected, setConnected] = useState(true);
  const [error, setError] = useState("");
  const socket = useRef<LiveSocket | null>(null);
  const roomsRef = useRef(rooms);
  roomsRef.current = rooms;
  const openRef = useRef(openRoom);
  openRef.current = openRoom;
  const eventsRef = useRef(events);
  eventsRef.current = events;

  /** Reads the list again; resolves with it (the old one when the server could not answer). */
  const reload = useCallback(async (): Promise<RoomSummary[]> => {
    try {
      const page = await answer(api.rooms.$get({ query: { limit: String(ROOMS_PAGE) } }));
      const fresh = page.results
        .map((room) => (room.id === openRef.current ? { ...room, unread_count: 0, mention_count: 0 } : room))
        .sort(byActivity);
      roomsRef.current = fresh;
      setRooms(fresh);
      setError("");
      return fresh;
    } catch (err) {
      setError((err as Error).message);
      return roomsRef.current;
    } finally {
      setLoaded(true);
    }
  }, []);

  /** A message seen in a room (from its own socket or the inbox): preview, order, unread. */
  const noteMessage = useCallback(
    (message: WireMessage) => {
      const unread = message.sender !== me && message.room !== openRef.current;
      setRooms((list) =>
        list.map((room) => (room.id === message.room ? withMessage(room, message, unread, me) : room)).sort(byActivity),
      );
    },
    [me],
  );

  useEffect(() => {
    void reload();
    let everOpen = false;
    const onFrame = (data: unknown) => {
      const frame = data as InboxFrame;
      switch (frame.type) {
        case "unread":
          // A socket's first frame counts every room; a read mark's, only its own.
          setRooms((list) =>
            list.map((room) =>
              room.id in frame.counts
                ? {
                    ...room,
                    unread_count: room.id === openRef.current ? 0 : frame.counts[room.id],
                    mention_count: room.id === openRef.current ? 0 : (frame.mentions?.[room.id] ?? room.mention_count),
                  }
                : room,
            ),
          );
          break;
        case "room_message": {
          const known = roomsRef.current.find((room) => room.id === frame.room);
          noteMessage(frame.message);
          const tell = (list: RoomSummary[]) => {
            if (frame.message.sender !== me)
              eventsRef.current.onIncoming(
                list.find((room) => room.id === frame.room),
                frame.title,
                frame.message,
              );
          };
          if (known) tell(roomsRef.current);
          else void reload().then(tell);
          break;
        }
        case "thread_reply":
          // News of a thread I take part in: heard, but neither the room's preview nor its unread count.
          eventsRef.current.onIncoming(
            roomsRef.current.find((room) => room.id === frame.room),
            frame.title,
            frame.message,
          );
          break;
        case "room_renamed":
          setRooms((list) => list.map((room) => (room.id === frame.room ? { ...room, title: frame.title } : room)));
          break;
        case "message_changed":
          // Only the latest message is the preview; an older one's change shows in its room alone.
          setRooms((list) =>
            list.map((room) =>
              room.id === frame.room && room.messages.at(-1)?.id === frame.message.id
                ? { ...room, messages: [frame.message] }
                : room,
            ),
          );
          break;
        case "added_to_room":
        case "removed_from_room":
          void reload();
          break;
      }
    };
    socket.current = liveSocket(
      () => "/api/v1/inbox/socket/",
      onFrame,
      (open) => {
        setConnected(open);
        if (open && everOpen) void reload();
        everOpen ||= open;
      },
    );
    const presence = setInterval(() => !document.hidden && void reload(), PRESENCE_REFRESH_MS);
    return () => {
      clearInterval(presence);
      socket.current?.close();
    };
  }, [me, reload, noteMessage]);

  return {
    rooms,
    loaded,
    connected,
    error,
    reload,
    noteMessage,
    /** The room is being read: its badge goes. */
    markRead: (roomId: number) =>
      setRooms((list) =>
        list.map((room) => (room.id === roomId ? { ...room, unread_count: 0, mention_count: 0 } : room)),
      ),
    /** A room I just made or opened, shown at once without waiting for the inbox. */
    addRoom: (room: Omit<RoomSummary, "unread_count" | "mention_count" | "notify" | "hidden">) =>
      setRooms((list) => {
        // A room I had keeps my level; a new one has its kind's default.
        const notify = list.find((r) => r.id === room.id)?.notify ?? notifyLevel(null, room.is_group);
        const added = { ...room, unread_count: 0, mention_count: 0, notify, hidden: false };
        return [added, ...list.filter((r) => r.id !== room.id)].sort(byActivity);
      }),
    reconnect: () => socket.current?.reconnect(),
  };
}
