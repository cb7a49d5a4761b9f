/**
 * The sidebar: my name opening my menu (status, profile, notifications and pausing them,
 * admin, sign out) and, while they are paused, until when; a new group, the places to find people and rooms (the directory, open rooms, invites, message
 * search), a people search by name or email as I type, and my conversations, latest
 * first, each with its last message, time and unread count.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { User } from "../../lib/api";
import { pausedUntilText } from "../../lib/do-not-disturb";
import { otherParticipant, roomName } from "../../lib/rooms";
import { listTime } from "../../lib/times";
import type { RoomSummary } from "../../lib/use-inbox";
import { usePeopleSearch } from "../../lib/use-people-search";
import { useUntil } from "../../lib/use-until";
import { Avatar } from "../avatar";
import { Bell } from "../room-menu/bell";
import { Status } from "../status";
import { type NotificationsState, UserMenu } from "../user-menu";
import styles from "./sidebar.module.css";

type SidebarProps = {
  me: User;
  rooms: RoomSummary[];
  loaded: boolean;
  openRoom: number | null;
  onOpenRoom: (id: number) => void;
  onOpenPerson: (person: User) => void;
  onNewGroup: () => void;
  onBrowseOpenRooms: () => void;
  /** Offered to whoever may make invite links. */
  onInvite?: () => void;
  onProfile: () => void;
  onAdmin: () => void;
  onSearchMessages: () => void;
  onSignOut: () => void;
  notifications: NotificationsState;
  onAskNotifications: () => void;
  /** Pauses notifications until a time, or resumes them (null). */
  onPause: (until: string | null) => void;
  onSetStatus: () => void;
  onClearStatus: () => void;
  /** The people directory. */
  onPeople: () => void;
  /** Whether the directory is what the main pane shows. */
  peopleOpen: boolean;
  /** Shown after the conversations: the hidden rooms. */
  after?: JSX.Element;
};

function RoomItem({ room, me, open, onOpen }: { room: RoomSummary; me: User; open: boolean; onOpen: () => void }) {
  const other = otherParticipant(room, me.id);
  const name = roomName(room, me.id);
  const last = room.messages.at(-1);
  const lastSender = last && room.participants.find((user) => user.id === last.sender);
  const preview = !last
    ? "No messages yet"
    : `${last.sender === me.id ? "You: " : room.is_group && lastSender ? `${lastSender.first_name || lastSender.username}: ` : ""}${
        last.deleted ? "Message deleted" : last.content
      }`;
  const unread = room.unread_count > 0 && !open;
  return (
    <li>
      <button
        type="button"
        class={`${styles.item} ${unread ? styles.unread : ""}`}
        aria-current={open}
        onClick={onOpen}
        data-room={room.id}
      >
        <Avatar src={other?.avatar_url} name={name} online={other?.is_online} size={40} />
        <span class={styles.itemText}>
          <span class={styles.line}>
            <span class={styles.name}>{name}</span>
            {other && <Status user={other} compact class={styles.statusEmoji} />}
            {room.notify === "nothing" && (
              <span class={styles.muted} title="Muted">
                <Bell struck class={styles.mutedIcon} />
                <span class="visually-hidden"> muted</span>
              </span>
            )}
            <span class={styles.time}>{listTime(room.last_activity)}</span>
          </span>
          <span class={styles.line}>
            <span class={styles.preview}>{preview}</span>
            {unread && room.mention_count > 0 && (
              <span class={`${styles.badge} ${styles.mention}`}>
                @{room.mention_count}
                <span class="visually-hidden"> mentioning you</span>
              </span>
            )}
            {unread && (
              <span class={styles.badge}>
                {room.unread_count}
                <span class="visually-hidden"> unread</span>
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}

/** The places' icons, as stroked 24×24 paths: drawn, so no emoji font is needed. */
const ICONS = {
  people:
    "M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7ZM2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6M16 4.3a3.5 3.5 0 0 1 0 6.4M18 14.3c2.1.7 3.5 2.9 3.5 5.7",
  rooms: "M9 3 7 21M17 3l-2 18M3.5 8.5h18M2.5 15.5h18",
  search: "M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13ZM15.5 15.5 21 21",
  invite: "M3 5.5h18v13H3zM3 6l9 7 9-7",
};

/** One of the sidebar's places to go, above the conversations. */
function Place({
  onClick,
  icon,
  current = false,
  children,
}: {
  onClick: () => void;
  icon: string;
  current?: boolean;
  children: string;
}) {
  return (
    <li>
      <button type="button" class={styles.place} onClick={onClick} aria-current={current ? "page" : undefined}>
        <svg class={styles.placeIcon} viewBox="0 0 24 24" aria-hidden="true">
          <path d={icon} />
        </svg>
        {children}
      </button>
    </li>
  );
}

export function Sidebar(props: SidebarProps) {
  const { me, rooms } = props;
  const [query, setQuery] = useState("");
  const people = usePeopleSearch(query);
  // Ends by itself at its time: the line goes and the menu offers pausing again.
  const pausedUntil = useUntil(me.dnd_until) ? me.dnd_until! : null;
  return (
    <nav class={styles.sidebar} aria-label="Conversations">
      <div class={styles.me}>
        <UserMenu
          me={me}
          notifications={props.notifications}
          onProfile={props.onProfile}
          onAskNotifications={props.onAskNotifications}
          onAdmin={props.onAdmin}
          onSignOut={props.onSignOut}
          pausedUntil={pausedUntil}
          onPause={props.onPause}
          onSetStatus={props.onSetStatus}
          onClearStatus={props.onClearStatus}
        />
        <button
          type="button"
          class={styles.newGroup}
          onClick={props.onNewGroup}
          aria-label="New group"
          title="New group"
        >
          <span aria-hidden="true">+</span>
        </button>
      </div>
      {pausedUntil && (
        <p class={styles.paused}>
          <span aria-hidden="true">🔕</span> {pausedUntilText(pausedUntil)}
        </p>
      )}
      <ul class={styles.places}>
        <Place onClick={props.onPeople} current={props.peopleOpen} icon={ICONS.people}>
          People
        </Place>
        <Place onClick={props.onBrowseOpenRooms} icon={ICONS.rooms}>
          Browse open rooms
        </Place>
        <Place onClick={props.onSearchMessages} icon={ICONS.search}>
          Search messages
        </Place>
        {props.onInvite && (
          <Place onClick={props.onInvite} icon={ICONS.invite}>
            Invite people
          </Place>
        )}
      </ul>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every browser we support */}
      <div class={styles.search} role="search">
        <label for="people-search" class="visually-hidden">
          Search people by name or email
        </label>
        <input
          id="people-search"
          class={styles.searchInput}
          type="search"
          placeholder="Search people by name or email"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
          autoComplete="off"
        />
      </div>
      <div class={styles.scroll}>
        {query.trim() && (
          <section aria-labelledby="people-heading">
            <h2 id="people-heading" class={styles.heading}>
              People
            </h2>
            <p class={styles.note} role="status">
              {people.problem ||
                (people.searching ? "Searching…" : people.people.length === 0 ? "Nobody matches." : "")}
            </p>
            <ul class={styles.list}>
              {people.people.map((person) => (
                <li key={person.id}>
                  <button
                    type="button"
                    class={styles.item}
                    onClick={() => {
                      setQuery("");
                      props.onOpenPerson(person);
                    }}
                  >
                    <Avatar src={person.avatar_url} name={person.full_name} online={person.is_online} size={36} />
                    <span class={styles.itemText}>
                      <span class={styles.name}>{person.full_name}</span>
                      <span class={styles.preview}>@{person.username}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <section aria-labelledby="rooms-heading">
          <h2 id="rooms-heading" class={styles.heading}>
            Conversations
          </h2>
          {props.loaded && rooms.length === 0 && (
            <div class={styles.empty}>
              <p class={styles.note}>No conversations yet. Say hello to a colleague:</p>
              <button type="button" class={styles.emptyAction} onClick={props.onPeople}>
                Find people to message
              </button>
            </div>
          )}
          <ul class={styles.list}>
            {rooms.map((room) => (
              <RoomItem
                key={room.id}
                room={room}
                me={me}
                open={room.id === props.openRoom}
                onOpen={() => props.onOpenRoom(room.id)}
              />
            ))}
          </ul>
        </section>
        {props.after}
      </div>
    </nav>
  );
}
