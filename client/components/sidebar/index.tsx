/**
 * The sidebar: who I am with my tools (new group, message search, profile, admin,
 * notifications, sign out), a people search by name or email as I type, and my
 * conversations, latest first, each with its last message, time and unread count.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { User } from "../../lib/api";
import { otherParticipant, roomName } from "../../lib/rooms";
import { listTime } from "../../lib/times";
import type { RoomSummary } from "../../lib/use-inbox";
import { usePeopleSearch } from "../../lib/use-people-search";
import { Avatar } from "../avatar";
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
  /** Offered while notifications are neither allowed nor refused. */
  onAskNotifications?: () => void;
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
            {room.notify === "nothing" && (
              <span class={styles.time} title="Muted">
                🔕<span class="visually-hidden"> muted</span>
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

export function Sidebar(props: SidebarProps) {
  const { me, rooms } = props;
  const [query, setQuery] = useState("");
  const people = usePeopleSearch(query);
  return (
    <nav class={styles.sidebar} aria-label="Conversations">
      <div class={styles.me}>
        <Avatar src={me.avatar_url} name={me.full_name} size={40} />
        <span class={styles.meName}>{me.full_name}</span>
      </div>
      <div class={styles.tools}>
        <button type="button" class={styles.tool} onClick={props.onNewGroup}>
          New group
        </button>
        <button type="button" class={styles.tool} onClick={props.onBrowseOpenRooms}>
          Browse open rooms
        </button>
        {props.onInvite && (
          <button type="button" class={styles.tool} onClick={props.onInvite}>
            Invite people
          </button>
        )}
        <button type="button" class={styles.tool} onClick={props.onSearchMessages}>
          Search messages
        </button>
        <button type="button" class={styles.tool} onClick={props.onProfile}>
          Profile
        </button>
        {me.is_superuser && (
          <button type="button" class={styles.tool} onClick={props.onAdmin}>
            Admin
          </button>
        )}
        {props.onAskNotifications && (
          <button type="button" class={styles.tool} onClick={props.onAskNotifications}>
            Turn on notifications
          </button>
        )}
        <button type="button" class={styles.tool} onClick={props.onSignOut}>
          Sign out
        </button>
      </div>
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
            <p class={styles.note}>No conversations yet. Search for someone to start one.</p>
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
