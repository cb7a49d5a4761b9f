/**
 * An open conversation: its header, its history (older pages load as I scroll up, with
 * day separators, messages grouped by sender, a "New messages" line above the first I had
 * not read, and the room's notes of who joined, left or was removed and of renames), who
 * is typing, a jump-to-latest button when I have scrolled away, and the composer. Opened by a link to a message, it shows that
 * message in the middle, highlighted, and newer pages load as I scroll down until they
 * reach the latest. A person I have no DM with yet gets a draft conversation: the first
 * message creates the DM.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { WireMessage } from "../../../core/protocol";
import { answer, api, type Room, type User } from "../../lib/api";
import { hasNewer } from "../../lib/history-window";
import { otherParticipant, roomName } from "../../lib/rooms";
import { clockTime, dayKey, dayLabel } from "../../lib/times";
import { usePeople } from "../../lib/use-people";
import { type RoomNote, useRoom } from "../../lib/use-room";
import { Avatar } from "../avatar";
import { BotBadge } from "../bot-badge";
import { Status } from "../status";
import { ThreadPanel } from "../thread";
import { QuoteBar } from "../thread/quote";
import { Composer } from "./composer";
import styles from "./conversation.module.css";
import { MessageItem, OutgoingItem } from "./message-item";

export { LinkRefused } from "./link-refused";

/** Within this many pixels of the bottom counts as "at the latest". */
const NEAR_BOTTOM_PX = 48;
/** Within this many pixels of the top, the next older page is fetched (of the bottom, the next newer one). */
const NEAR_TOP_PX = 120;
/** Messages by one sender closer than this in time form one run. */
const RUN_GAP_MS = 5 * 60 * 1000;

/** How the header's badge names a room's jurisdiction. */
const JURISDICTION_NAMES: Record<string, string> = { eu: "European Union", fedramp: "FedRAMP region (US)" };

type Header = {
  name: string;
  avatar?: string;
  online?: boolean | null;
  subtitle: string;
  jurisdiction?: string;
  bot?: boolean;
  /** The other person of a DM, whose status shows beside their name. */
  person?: User;
};

function ConversationHeader({
  header,
  onBack,
  onDetails,
  menu,
}: {
  header: Header;
  onBack: () => void;
  onDetails?: () => void;
  menu?: ComponentChildren;
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
        <div class={styles.titleLine}>
          <h2 id="conversation-title" class={styles.title} tabIndex={-1} ref={title}>
            {header.name}
            {header.bot && <BotBadge />}
          </h2>
          {header.person && <Status user={header.person} class={styles.subtitle} />}
        </div>
        <p class={styles.subtitle}>
          {header.subtitle}
          {header.jurisdiction && (
            <span
              class={styles.jurisdiction}
              title={`This room's messages are kept in the ${JURISDICTION_NAMES[header.jurisdiction] ?? header.jurisdiction}`}
            >
              {header.jurisdiction.toUpperCase()}
            </span>
          )}
        </p>
      </div>
      {(menu || onDetails) && (
        <span class={styles.headerActions}>
          {menu}
          {onDetails && (
            <button type="button" class={styles.small} onClick={onDetails}>
              Details
            </button>
          )}
        </span>
      )}
    </header>
  );
}

/** What a note says, naming people by `who` at the start of a sentence and `whom` after it. */
function noteText(note: RoomNote, who: (id: number) => string, whom: (id: number) => string): string {
  switch (note.kind) {
    case "joined":
      return note.by === undefined
        ? `${who(note.user)} joined the group`
        : `${who(note.by)} added ${whom(note.user)} to the group`;
    case "left":
      return `${who(note.user)} left the group`;
    case "removed":
      return `${who(note.by)} removed ${whom(note.user)} from the group`;
    case "renamed":
      return `${who(note.by)} renamed the group to “${note.title}”`;
  }
}

/** A join, leave, removal or rename, as a line in the timeline. */
function TimelineNote({ note, name, me }: { note: RoomNote; name: (id: number) => string; me: number }) {
  const text = noteText(
    note,
    (id) => (id === me ? "You" : name(id)),
    (id) => (id === me ? "you" : name(id)),
  );
  return (
    <li class={styles.note}>
      {text} <time dateTime={note.timestamp}>{clockTime(note.timestamp)}</time>
    </li>
  );
}

type ConversationProps = {
  room: Room;
  me: User;
  /** Opened by a link to this message: it is shown in the middle, highlighted. */
  at?: number;
  onBack: () => void;
  onDetails: () => void;
  onMessage: (message: WireMessage) => void;
  onMembersChanged: () => void;
  onRead: (roomId: number) => void;
  /** Whether the tab is hidden: reading only counts when someone looks. */
  hidden: boolean;
  /** The room's menu in the header (its notification level, hiding it). */
  menu?: ComponentChildren;
  /** Opens someone's profile card, from their name or picture on a message or in "Seen by". */
  onShowProfile?: (person: User) => void;
};

const nearBottom = (box: HTMLElement) => box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;

export function Conversation({
  room,
  me,
  at,
  onBack,
  onDetails,
  onMessage,
  onMembersChanged,
  onRead,
  hidden,
  menu,
  onShowProfile,
}: ConversationProps) {
  const live = useRoom(room.id, me.id, onMessage, onMembersChanged, at);
  const { state } = live;
  /** The message the link shows: itself, or the root of the thread it replies in. */
  const linkedId = state.linkThread ?? at;
  /** An older stretch is shown: the latest messages are below it, not loaded into it yet. */
  const newer = hasNewer(state);
  const scroller = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const keepFromBottom = useRef<number | null>(null);
  const jumpPending = useRef(at !== undefined);
  const toBottom = useRef(false);
  /** Whether the last render showed the live end, which new messages keep me at. */
  const wasLive = useRef(true);
  const people = usePeople(room.participants, [
    ...state.messages.map((message) => message.sender),
    ...state.notes.flatMap((note) => ("user" in note ? [note.user] : [])),
    ...state.notes.flatMap((note) => ("by" in note && note.by !== undefined ? [note.by] : [])),
  ]);
  const latest = state.messages.at(-1);
  const name = (id: number) => people.get(id)?.full_name ?? "Someone";
  /** The message I am quoting in my next send, and the root whose thread is open. */
  const [quoting, setQuoting] = useState<WireMessage | null>(null);
  const [threadOf, setThreadOf] = useState<WireMessage | null>(null);
  // The root as the room shows it now (its summary moves with each reply), else as it was opened.
  // A link to a thread reply opens its thread beside the root.
  useEffect(() => {
    const root = state.messages.find((m) => m.id === state.linkThread);
    if (root) setThreadOf(root);
  }, [state.linkThread]);
  const threadRoot =
    threadOf &&
    (state.messages.find((m) => m.id === threadOf.id) ?? state.tail?.find((m) => m.id === threadOf.id) ?? threadOf);

  // The linked message goes to the middle once its page is in. Older pages go above: keep
  // what I was reading where it was. At the live end, new messages keep me at the bottom.
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const atLiveEnd = !newer;
    if (jumpPending.current) {
      if (!state.loaded) return;
      jumpPending.current = false;
      const target = box.querySelector<HTMLElement>(`[data-message-id="${linkedId}"]`);
      if (target) {
        target.scrollIntoView({ block: "center" });
        target.focus({ preventScroll: true });
        setAtBottom(nearBottom(box));
        wasLive.current = atLiveEnd;
        return;
      }
    }
    if (keepFromBottom.current !== null) {
      box.scrollTop = box.scrollHeight - keepFromBottom.current;
      keepFromBottom.current = null;
    } else if (toBottom.current || (atBottom && wasLive.current && atLiveEnd)) {
      box.scrollTop = box.scrollHeight;
      toBottom.current = false;
    } else if (atLiveEnd && !wasLive.current) {
      // The stretch just reached the live end: what joined it lies below, not yet seen.
      setAtBottom(nearBottom(box));
    }
    wasLive.current = atLiveEnd;
  }, [state.messages, state.outgoing, atBottom, state.loaded]);

  // Counts what arrives while I am scrolled away from the live end (not what a newer page brought).
  const liveBefore = useRef(!newer);
  useEffect(() => {
    if (latest && liveBefore.current && !newer && !atBottom && latest.sender !== me.id) setUnseen((n) => n + 1);
    liveBefore.current = !newer;
  }, [latest?.id, newer]);

  useEffect(() => {
    if (latest && atBottom && !newer && !hidden && state.connected) {
      live.read(latest.id);
      onRead(room.id);
    }
  }, [latest?.id, atBottom, newer, hidden, state.connected]);

  useEffect(() => {
    const box = scroller.current;
    // A page shorter than the screen cannot be scrolled: fetch more at once.
    if (!box || !state.loaded || box.scrollHeight > box.clientHeight) return;
    if (state.hasOlder) void older();
    else if (newer) void live.loadNewer();
  }, [state.loaded, state.hasOlder, state.messages.length, newer]);

  const older = () => {
    const box = scroller.current;
    if (!box || !state.hasOlder || state.loadingOlder) return;
    keepFromBottom.current = box.scrollHeight - box.scrollTop;
    return live.loadOlder();
  };

  const onScroll = () => {
    const box = scroller.current!;
    const bottom = nearBottom(box);
    setAtBottom(bottom);
    if (bottom && !newer) setUnseen(0);
    if (box.scrollTop < NEAR_TOP_PX) void older();
    if (newer && box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_TOP_PX) void live.loadNewer();
  };

  const jumpToLatest = () => {
    const box = scroller.current!;
    if (newer) {
      // The older stretch is left behind; the bottom is reached once the latest are shown.
      toBottom.current = true;
      live.toLatest();
    }
    box.scrollTop = box.scrollHeight;
    setAtBottom(true);
    setUnseen(0);
  };

  const send = (text: string, attachments?: string[]) => {
    // What I send goes at the live end: that is where I am taken.
    if (newer) jumpToLatest();
    live.send(text, quoting ? { reply_to: quoting.id } : undefined, attachments);
    setQuoting(null);
  };

  // "Seen by" goes under my latest message that others have read up to.
  const myLatest = [...state.messages].reverse().find((m) => m.sender === me.id);
  const seenBy = myLatest
    ? Object.entries(state.reads)
        .filter(([user, upTo]) => Number(user) !== me.id && upTo >= myLatest.id)
        .map(([user]) => Number(user))
    : [];

  const other = otherParticipant(room, me.id);
  const hereOthers = state.here.filter((id) => id !== me.id);
  const header: Header = {
    name: roomName(room, me.id),
    avatar: other?.avatar_url,
    online: other ? other.is_online || hereOthers.includes(other.id) : undefined,
    bot: other?.is_bot,
    person: other,
    subtitle: room.is_group
      ? `${room.participants.length} members${hereOthers.length ? `, ${hereOthers.length} here now` : ""}`
      : other && (other.is_online || hereOthers.includes(other.id))
        ? "Online"
        : "Offline",
    jurisdiction: room.jurisdiction,
  };

  /** The first message new to me when the room opened: the "New messages" line goes above it. */
  const firstNew =
    state.readAtOpen === undefined
      ? undefined
      : state.messages.find((m) => m.id > state.readAtOpen! && m.sender !== me.id)?.id;
  const items = [];
  // Notes older than the first message shown belong with the older pages not loaded yet.
  const notes = state.notes.filter((note) => !state.hasOlder || note.after >= (state.messages[0]?.id ?? 0));
  const placeNotes = (before: number) => {
    while (notes.length > 0 && notes[0].after < before) {
      const note = notes.shift()!;
      items.push(<TimelineNote key={`note-${note.id}`} note={note} name={name} me={me.id} />);
    }
  };
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
    const notesBefore = items.length;
    placeNotes(message.id);
    if (message.id === firstNew) {
      items.push(
        <li key="new-messages" class={styles.newMessages}>
          <span>New messages</span>
        </li>,
      );
    }
    const first =
      newDay ||
      items.length > notesBefore ||
      previous!.sender !== message.sender ||
      Date.parse(message.timestamp) - Date.parse(previous!.timestamp) > RUN_GAP_MS;
    items.push(
      <MessageItem
        key={message.id}
        message={message}
        sender={people.get(message.sender)}
        mine={message.sender === me.id}
        first={first}
        seenBy={message === myLatest ? seenBy : []}
        latest={message === myLatest}
        linked={message.id === linkedId}
        onEdit={live.edit}
        onDelete={live.remove}
        moderator={me.is_superuser}
        me={me.id}
        people={people}
        onReact={live.react}
        onQuote={() => setQuoting(message)}
        onOpenThread={() => setThreadOf(message)}
        onShowProfile={onShowProfile}
      />,
    );
    previous = message;
  }
  // Notes after the latest shown message; under an older stretch they wait for the live end.
  if (!newer) placeNotes(Number.POSITIVE_INFINITY);

  const typingNames = state.typing.filter((id) => id !== me.id).map(name);
  return (
    <section class={styles.conversation} aria-labelledby="conversation-title">
      <ConversationHeader
        header={header}
        onBack={onBack}
        onDetails={room.is_group ? onDetails : undefined}
        menu={menu}
      />
      {state.error && (
        <p role="alert" class={styles.problemBar}>
          {state.error}
        </p>
      )}
      {state.link === "missing" && (
        <p role="alert" class={styles.problemBar}>
          No such message in this conversation. Here are its latest messages.
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
          {/* My sends go at the live end, not under an older stretch. */}
          {state.outgoing
            .filter((item) => item.echoed === undefined && !newer && item.reply?.thread === undefined)
            .map((item) => (
              <OutgoingItem
                key={item.client_id}
                item={item}
                onRetry={() => live.retry(item.client_id)}
                onDiscard={() => live.discard(item.client_id)}
              />
            ))}
        </ol>
        {newer && (
          <button
            type="button"
            class={styles.older}
            onClick={() => void live.loadNewer()}
            disabled={state.loadingNewer}
          >
            {state.loadingNewer ? "Loading newer messages…" : "Load newer messages"}
          </button>
        )}
      </div>
      {(!atBottom || newer) && (
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
      {quoting && <QuoteBar message={quoting} name={name(quoting.sender)} onCancel={() => setQuoting(null)} />}
      <Composer
        label={`Message ${header.name}`}
        onSend={send}
        onTyping={live.typing}
        roomId={room.id}
        members={room.participants.filter((user) => user.id !== me.id)}
      />
      {threadRoot && (
        <ThreadPanel
          root={threadRoot}
          me={me}
          people={people}
          live={state.replies[threadRoot.id] ?? []}
          reactions={state.replyReactions}
          onReact={live.react}
          outgoing={state.outgoing.filter((item) => item.reply?.thread === threadRoot.id)}
          onSend={live.send}
          onRetry={live.retry}
          onDiscard={live.discard}
          onEdit={live.edit}
          onDelete={live.remove}
          onClose={() => setThreadOf(null)}
          onShowProfile={onShowProfile}
        />
      )}
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
          bot: person.is_bot,
          person,
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
