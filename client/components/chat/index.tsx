/**
 * The signed-in app: the sidebar and the main pane (a conversation, a draft DM, the people
 * directory, message search or the admin page), the dialogs (profile, my status, new group,
 * group details, someone's profile card), the banner while the
 * connection is down, and the title and notifications while the tab is hidden (none while
 * I paused them). On a
 * phone only one pane shows at a time. A message link opens its room at that message,
 * or says that the message is out of my reach.
 */

import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { WireMessage } from "../../../core/protocol";
import { wantsToHear } from "../../../core/protocol-constants";
import { ApiError, answer, api, type Room, type User } from "../../lib/api";
import { leaveMessageLink, type MessageLink, openMessageLink, useMessageLink } from "../../lib/message-links";
import { roomRead, showUnreadRooms } from "../../lib/push";
import { countedUnread, dmWith } from "../../lib/rooms";
import { useAttention, usePageHidden } from "../../lib/use-attention";
import { useInbox } from "../../lib/use-inbox";
import { useLazy } from "../../lib/use-lazy";
import { isAhead } from "../../lib/use-until";
import { Conversation, DraftConversation, LinkRefused } from "../conversation";
import { problemOf } from "../dialog/problem";
import { HiddenRooms } from "../hidden-rooms";
import { ProfileCard } from "../profile-card";
import { RoomMenu } from "../room-menu";
import { Sidebar } from "../sidebar";
import styles from "./chat.module.css";

/** A room pane opened by a message link carries it (`at`): the room opens at that message. */
type Pane =
  | { kind: "room"; id: number; at?: MessageLink }
  | { kind: "person"; person: User }
  | { kind: "admin" }
  | { kind: "people" }
  | { kind: "search" }
  | null;
type Dialog = "profile" | "status" | "new-group" | "details" | "open-rooms" | "invites" | null;

const useOnline = () => {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener("online", update);
    addEventListener("offline", update);
    return () => {
      removeEventListener("online", update);
      removeEventListener("offline", update);
    };
  }, []);
  return online;
};

const linkPane = (at: MessageLink): Pane => ({ kind: "room", id: at.room, at });

export function Chat({ initialMe, onSignOut }: { initialMe: User; onSignOut: () => void }) {
  const [me, setMe] = useState(initialMe);
  const link = useMessageLink();
  const [pane, setPaneNow] = useState<Pane>(() => link && linkPane(link));
  const [dialog, setDialog] = useState<Dialog>(null);
  const [searchQuery, setSearchQuery] = useState("");
  /** Whose profile card is open. */
  const [card, setCard] = useState<User | null>(null);
  /** Why pausing notifications or clearing my status did not go through. */
  const [meProblem, setMeProblem] = useState("");
  /** A message link that could not be opened, and why. */
  const [unreachable, setUnreachable] = useState<{ at: MessageLink; problem: string } | null>(null);
  const openRoomId = pane?.kind === "room" ? pane.id : null;
  const linkedAt = pane?.kind === "room" ? pane.at : undefined;
  // Going anywhere else leaves the link's address, so a reload opens the app, not the link.
  const setPane = (next: Pane) => {
    leaveMessageLink();
    setPaneNow(next);
  };
  const online = useOnline();
  // A room open in a hidden tab is not being read: its new messages count as unread.
  const hidden = usePageHidden();
  const inbox = useInbox(me.id, hidden ? null : openRoomId, {
    onIncoming(room, title, message: WireMessage) {
      // Paused notifications: the title still counts the message, nothing pops up.
      if (isAhead(me.dnd_until)) return;
      // A room not in my list yet is a DM just opened, whose level is "everything" until I choose.
      if (!wantsToHear(room?.notify ?? "everything", message, me.id)) return;
      const sender = room?.participants.find((user) => user.id === message.sender)?.full_name ?? "Someone";
      const where = !room ? title : room.is_group ? `${sender} in ${room.title}` : sender;
      const heading = message.mentions?.includes(me.id) ? `${where} mentioned you` : where;
      const text = message.thread_root === undefined ? message.content : `In a thread: ${message.content}`;
      const body = message.deleted ? "Message deleted" : text;
      attention.notify(heading, body, `room-${message.room}`, () => setPane({ kind: "room", id: message.room }));
    },
  });
  const counted = inbox.rooms.map(countedUnread);
  const unread = counted.reduce((sum, room) => sum + room.unread, 0);
  const mentions = counted.reduce((sum, room) => sum + room.mentions, 0);
  const attention = useAttention(unread, mentions);
  const unreadRooms = counted.filter((room) => room.unread > 0).length;
  useEffect(() => showUnreadRooms(unreadRooms), [unreadRooms]);
  useEffect(() => {
    if (openRoomId !== null) roomRead(openRoomId);
  }, [openRoomId]);

  const profile = useLazy(() => import("../profile"), dialog === "profile");
  const statusDialog = useLazy(() => import("../status-dialog"), dialog === "status");
  const admin = useLazy(() => import("../admin"), pane?.kind === "admin");
  const directory = useLazy(() => import("../directory"), pane?.kind === "people");
  const messageSearch = useLazy(() => import("../message-search"), pane?.kind === "search");
  const newGroup = useLazy(() => import("../new-group"), dialog === "new-group");
  const details = useLazy(() => import("../group-details"), dialog === "details");
  const openRooms = useLazy(() => import("../open-rooms"), dialog === "open-rooms");
  const invites = useLazy(() => import("../invites"), dialog === "invites");

  const openRoom = openRoomId === null ? undefined : inbox.rooms.find((room) => room.id === openRoomId);

  const openPerson = (person: User) => {
    const existing = dmWith(inbox.rooms, person.id);
    setPane(existing ? { kind: "room", id: existing.id } : { kind: "person", person });
  };
  const showRoom = (room: Room) => {
    inbox.addRoom(room);
    setPane({ kind: "room", id: room.id });
  };
  const closeDialog = () => setDialog(null);
  const changeMe = (json: { dnd_until: string | null } | { status_emoji: null; status_text: null }) =>
    answer(api.profiles[":id"].$patch({ param: { id: String(me.id) }, json })).then(
      (changed) => {
        setMe(changed);
        setMeProblem("");
      },
      (err: unknown) => setMeProblem(problemOf(err).message),
    );

  useEffect(() => {
    if (link) setPaneNow(linkPane(link));
  }, [link]);

  // A room I was looking at and left, or was removed from, closes.
  useEffect(() => {
    if (openRoomId !== null && inbox.loaded && !openRoom && !linkedAt) setPane(null);
  }, [openRoomId, inbox.loaded, openRoom]);

  // A linked room missing from my list is asked for: it may be past the list's first page.
  useEffect(() => {
    if (!linkedAt || !inbox.loaded || openRoom) return;
    let current = true;
    answer(api.rooms[":id"].$get({ param: { id: String(linkedAt.room) } })).then(
      (room) => {
        if (!current) return;
        inbox.addRoom(room);
        // A room missing from my list may be one I hid: opening it brings it back.
        void api.rooms[":id"].membership.$patch({ param: { id: String(room.id) }, json: { hidden: false } });
      },
      (err: Error) => {
        const refused = err instanceof ApiError && (err.status === 403 || err.status === 404);
        if (current) setUnreachable({ at: linkedAt, problem: refused ? "" : err.message });
      },
    );
    return () => {
      current = false;
    };
  }, [linkedAt, inbox.loaded, openRoom === undefined]);

  const connectionLost = !online || !inbox.connected;
  let main: JSX.Element;
  if (pane?.kind === "admin") {
    main = (
      <div class={styles.page}>
        <button type="button" class={styles.back} onClick={() => setPane(null)}>
          ← Back to conversations
        </button>
        {admin.module ? (
          <admin.module.Admin me={me} />
        ) : (
          <p role="status">{admin.failed ? "Could not load the admin page." : "Loading…"}</p>
        )}
      </div>
    );
  } else if (pane?.kind === "people") {
    main = directory.module ? (
      <directory.module.Directory onMessage={openPerson} onShowProfile={setCard} onBack={() => setPane(null)} />
    ) : (
      <p role="status" class={styles.page}>
        {directory.failed ? "Could not load the people." : "Loading…"}
      </p>
    );
  } else if (pane?.kind === "search") {
    main = messageSearch.module ? (
      <messageSearch.module.MessageSearch
        me={me}
        rooms={inbox.rooms}
        query={searchQuery}
        onQuery={setSearchQuery}
        onOpen={(result) => openMessageLink(result.room, result.id)}
        onBack={() => setPane(null)}
      />
    ) : (
      <p role="status" class={styles.page}>
        {messageSearch.failed ? "Could not load the search." : "Loading…"}
      </p>
    );
  } else if (pane?.kind === "person") {
    main = (
      <DraftConversation
        key={`person-${pane.person.id}`}
        person={pane.person}
        onBack={() => setPane(null)}
        onStarted={showRoom}
      />
    );
  } else if (openRoom) {
    main = (
      <Conversation
        key={linkedAt ? `${openRoom.id}@${linkedAt.visit}` : openRoom.id}
        room={openRoom}
        at={linkedAt?.message}
        me={me}
        hidden={attention.hidden}
        onBack={() => {
          setPane(null);
          // Back in the list (on a phone, the only pane again), at the room I left.
          requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-room="${openRoom.id}"]`)?.focus());
        }}
        onDetails={() => setDialog("details")}
        onMessage={inbox.noteMessage}
        onMembersChanged={() => void inbox.reload()}
        onRead={inbox.markRead}
        menu={<RoomMenu roomId={openRoom.id} notify={openRoom.notify} onChanged={() => void inbox.reload()} />}
        onShowProfile={setCard}
      />
    );
  } else if (linkedAt && unreachable?.at === linkedAt) {
    main = <LinkRefused problem={unreachable.problem} onBack={() => setPane(null)} />;
  } else if (linkedAt) {
    main = (
      <p class={styles.placeholder} role="status">
        Opening the message…
      </p>
    );
  } else {
    main = (
      <div class={styles.placeholder}>
        <p>Pick a conversation, or search for someone to start one.</p>
      </div>
    );
  }

  return (
    <div class={styles.chat} data-pane={pane ? "main" : "list"}>
      {connectionLost ? (
        <p class={styles.banner} role="status">
          {online ? "Connection lost. Reconnecting…" : "You are offline. Messages will arrive when you are back."}
        </p>
      ) : (
        <span role="status" class="visually-hidden" />
      )}
      {meProblem && (
        <p class={styles.banner} role="alert">
          {meProblem}
        </p>
      )}
      <div class={styles.side}>
        <Sidebar
          me={me}
          rooms={inbox.rooms}
          loaded={inbox.loaded}
          openRoom={openRoomId}
          onOpenRoom={(id) => setPane({ kind: "room", id })}
          onOpenPerson={openPerson}
          onPeople={() => setPane({ kind: "people" })}
          peopleOpen={pane?.kind === "people"}
          onNewGroup={() => setDialog("new-group")}
          onBrowseOpenRooms={() => setDialog("open-rooms")}
          onInvite={me.is_superuser ? () => setDialog("invites") : undefined}
          onProfile={() => setDialog("profile")}
          onAdmin={() => setPane({ kind: "admin" })}
          onSearchMessages={() => setPane({ kind: "search" })}
          onSignOut={onSignOut}
          notifications={attention.permission}
          onAskNotifications={() => void attention.ask()}
          onPause={(until) => void changeMe({ dnd_until: until })}
          onSetStatus={() => setDialog("status")}
          onClearStatus={() => void changeMe({ status_emoji: null, status_text: null })}
          after={
            <HiddenRooms me={me} onShown={(id) => void inbox.reload().then(() => setPane({ kind: "room", id }))} />
          }
        />
      </div>
      <main class={styles.main}>{main}</main>
      {card && <ProfileCard person={card} me={me} onMessage={openPerson} onClose={() => setCard(null)} />}
      {dialog === "profile" && profile.module && (
        <profile.module.Profile me={me} onChanged={setMe} onClose={closeDialog} />
      )}
      {dialog === "status" && statusDialog.module && (
        <statusDialog.module.StatusDialog me={me} onChanged={setMe} onClose={closeDialog} />
      )}
      {dialog === "new-group" && newGroup.module && (
        <newGroup.module.NewGroup
          onCreated={(room) => {
            closeDialog();
            showRoom(room);
          }}
          onClose={closeDialog}
        />
      )}
      {dialog === "open-rooms" && openRooms.module && (
        <openRooms.module.OpenRooms
          onJoined={(room) => {
            closeDialog();
            showRoom(room);
          }}
          onClose={closeDialog}
        />
      )}
      {dialog === "invites" && invites.module && <invites.module.Invites onClose={closeDialog} />}
      {dialog === "details" && details.module && openRoom && (
        <details.module.GroupDetails
          room={openRoom}
          me={me}
          onChanged={(room) => inbox.addRoom({ ...room, messages: openRoom.messages })}
          onLeft={() => {
            closeDialog();
            setPane(null);
            void inbox.reload();
          }}
          onClose={closeDialog}
        />
      )}
    </div>
  );
}

/** Who I am, read once after signing in. */
export async function loadMe(): Promise<User> {
  return answer(api.profiles.me.$get());
}
