/**
 * An open conversation: its header, its history (older pages load as I scroll up, with
 * day separators and messages grouped by sender), who is typing, a jump-to-latest button
 * when I have scrolled away, and the composer. A person I have no DM with yet gets a
 * draft conversation: the first message creates the DM.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { WireMessage } from "../../../core/protocol";
import { answer, api, type Room, type User } from "../../lib/api";
import { otherParticipant, roomName } from "../../lib/rooms";
import { dayKey, dayLabel } from "../../lib/times";
import { useRoom } from "../../lib/use-room";
import { Avatar } from "../avatar";
import { Composer } from "./composer";
import styles from "./conversation.module.css";
import { MessageItem, OutgoingItem } from "./message-item";

/** Within this many pixels of the bottom counts as "at the latest". */
const NEAR_BOTTOM_PX = 48;
/** Within this many pixels of the top, the next older page is fetched. */
const NEAR_TOP_PX = 120;
/** Messages by one sender closer than this in time form one run. */
const RUN_GAP_MS = 5 * 60 * 1000;

type Header = { name: string; avatar?: string; online?: boolean | null; subtitle: string };

function ConversationHeader({
  header,
  onBack,
  onDetails,
}: {
  header: Header;
  onBack: () => void;
  onDetails?: () => void;
}) {
  const title = useRef<HTMLHeadingElement>(null);
  // Opening a conversation takes focus to it: on a phone the list it came from is gone.
  useEffect(() => title.current?.focus(), []);
  return (
    <header class={styles.header}>
      <button type="button" class={styles.back} onClick={onBack} aria-label="Back to conversations">
        ←
      </button>
      <Avatar src={header.avatar} name={header.name} online={header.online} size={36} />
      <div class={styles.heading}>
        <h2 id="conversation-title" class={styles.title} tabIndex={-1} ref={title}>
          {header.name}
        </h2>
        <p class={styles.subtitle}>{header.subtitle}</p>
      </div>
      {onDetails && (
        <button type="button" class={styles.small} onClick={onDetails}>
          Details
        </button>
      )}
    </header>
  );
}

type ConversationProps = {
  room: Room;
  me: User;
  onBack: () => void;
  onDetails: () => void;
  onMessage: (message: WireMessage) => void;
  onMembersChanged: () => void;
  onRead: (roomId: number) => void;
  /** Whether the tab is hidden: reading only counts when someone looks. */
  hidden: boolean;
};

export function Conversation({
  room,
  me,
  onBack,
  onDetails,
  onMessage,
  onMembersChanged,
  onRead,
  hidden,
}: ConversationProps) {
  const live = useRoom(room.id, me.id, onMessage, onMembersChanged);
  const { state } = live;
  const scroller = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const keepFromBottom = useRef<number | null>(null);
  const people = useMemo(() => new Map(room.participants.map((user) => [user.id, user])), [room.participants]);
  const latest = state.messages.at(-1);
  const name = (id: number) => people.get(id)?.full_name ?? "Someone";

  // Older pages go above: keep what I was reading where it was.
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    if (keepFromBottom.current !== null) {
      box.scrollTop = box.scrollHeight - keepFromBottom.current;
      keepFromBottom.current = null;
    } else if (atBottom) {
      box.scrollTop = box.scrollHeight;
    }
  }, [state.messages, state.outgoing, atBottom]);

  useEffect(() => {
    if (!latest) return;
    if (!atBottom && latest.sender !== me.id) setUnseen((n) => n + 1);
  }, [latest?.id]);

  useEffect(() => {
    if (latest && atBottom && !hidden && state.connected) {
      live.read(latest.id);
      onRead(room.id);
    }
  }, [latest?.id, atBottom, hidden, state.connected]);

  useEffect(() => {
    const box = scroller.current;
    // A first page shorter than the screen cannot be scrolled up: fetch more at once.
    if (box && state.loaded && state.hasOlder && box.scrollHeight <= box.clientHeight) void older();
  }, [state.loaded, state.hasOlder, state.messages.length]);

  const older = () => {
    const box = scroller.current;
    if (!box || !state.hasOlder || state.loadingOlder) return;
    keepFromBottom.current = box.scrollHeight - box.scrollTop;
    return live.loadOlder();
  };

  const onScroll = () => {
    const box = scroller.current!;
    const bottom = box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
    setAtBottom(bottom);
    if (bottom) setUnseen(0);
    if (box.scrollTop < NEAR_TOP_PX) void older();
  };

  const jumpToLatest = () => {
    const box = scroller.current!;
    box.scrollTop = box.scrollHeight;
    setAtBottom(true);
    setUnseen(0);
  };

  // "Seen by" goes under my latest message that others have read up to.
  const myLatest = [...state.messages].reverse().find((m) => m.sender === me.id);
  const seenBy = myLatest
    ? Object.entries(state.reads)
        .filter(([user, upTo]) => Number(user) !== me.id && upTo >= myLatest.id)
        .map(([user]) => name(Number(user)))
    : [];

  const other = otherParticipant(room, me.id);
  const hereOthers = state.here.filter((id) => id !== me.id);
  const header: Header = {
    name: roomName(room, me.id),
    avatar: other?.avatar_url,
    online: other ? other.is_online || hereOthers.includes(other.id) : undefined,
    subtitle: room.is_group
      ? `${room.participants.length} members${hereOthers.length ? `, ${hereOthers.length} here now` : ""}`
      : other && (other.is_online || hereOthers.includes(other.id))
        ? "Online"
        : "Offline",
  };

  const items = [];
  let previous: WireMessage | undefined;
  for (const message of state.messages) {
    const newDay = !previous || dayKey(previous.timestamp) !== dayKey(message.timestamp);
    if (newDay) {
      items.push(
        <li key={`day-${message.id}`} class={styles.day}>
          <h3 class={styles.dayLabel}>{dayLabel(message.timestamp)}</h3>
        </li>,
      );
    }
    const first =
      newDay ||
      previous!.sender !== message.sender ||
      Date.parse(message.timestamp) - Date.parse(previous!.timestamp) > RUN_GAP_MS;
    items.push(
      <MessageItem
        key={message.id}
        message={message}
        sender={people.get(message.sender)}
        mine={message.sender === me.id}
        first={first}
        inGroup={room.is_group}
        seenBy={message === myLatest ? seenBy : []}
        onEdit={live.edit}
        onDelete={live.remove}
      />,
    );
    previous = message;
  }

  const typingNames = state.typing.filter((id) => id !== me.id).map(name);
  return (
    <section class={styles.conversation} aria-labelledby="conversation-title">
      <ConversationHeader header={header} onBack={onBack} onDetails={room.is_group ? onDetails : undefined} />
      {state.error && (
        <p role="alert" class={styles.problemBar}>
          {state.error}
        </p>
      )}
      <div
        class={styles.scroll}
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label={`Messages with ${header.name}`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so keyboards can scroll it (axe: scrollable-region-focusable)
        tabIndex={0}
      >
        {state.hasOlder && (
          <button type="button" class={styles.older} onClick={() => void older()} disabled={state.loadingOlder}>
            {state.loadingOlder ? "Loading older messages…" : "Load older messages"}
          </button>
        )}
        {state.loaded && state.messages.length === 0 && state.outgoing.length === 0 && (
          <p class={styles.empty}>No messages yet. Say hello!</p>
        )}
        <ol class={styles.messages}>
          {items}
          {state.outgoing
            .filter((item) => item.echoed === undefined)
            .map((item) => (
              <OutgoingItem
                key={item.client_id}
                item={item}
                onRetry={() => live.retry(item.client_id)}
                onDiscard={() => live.discard(item.client_id)}
              />
            ))}
        </ol>
      </div>
      {!atBottom && (
        <button type="button" class={styles.jump} onClick={jumpToLatest}>
          {unseen > 0 ? `${unseen} new — jump to latest` : "Jump to latest"}
        </button>
      )}
      <p class={styles.typing} aria-live="polite">
        {typingNames.length === 1
          ? `${typingNames[0]} is typing…`
          : typingNames.length > 1
            ? `${typingNames.join(", ")} are typing…`
            : ""}
      </p>
      <Composer label={`Message ${header.name}`} onSend={live.send} onTyping={live.typing} />
    </section>
  );
}

/** A DM that does not exist yet: the first message creates it. */
export function DraftConversation({
  person,
  onBack,
  onStarted,
}: {
  person: User;
  onBack: () => void;
  onStarted: (room: Room) => void;
}) {
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);
  const send = async (text: string) => {
    setBusy(true);
    try {
      onStarted(await answer(api.send_message_to_user.$post({ json: { message: text, user_id: person.id } })));
    } catch (err) {
      setProblem((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <section class={styles.conversation} aria-labelledby="conversation-title">
      <ConversationHeader
        header={{
          name: person.full_name,
          avatar: person.avatar_url,
          online: person.is_online,
          subtitle: `@${person.username}`,
        }}
        onBack={onBack}
      />
      <div class={styles.scroll}>
        <p class={styles.empty}>This is the start of your conversation with {person.full_name}.</p>
      </div>
      {problem && (
        <p role="alert" class={styles.problemBar}>
          {problem}
        </p>
      )}
      <p class={styles.typing} />
      <Composer label={`Message ${person.full_name}`} onSend={(text) => void send(text)} disabled={busy} />
    </section>
  );
}
