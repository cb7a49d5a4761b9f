/**
 * A thread's side panel (the whole screen on a phone): its root, its replies oldest first
 * (older pages on demand), live as the room's socket brings them, and its own composer.
 * Esc or the close button shuts it. The replies shown are the REST pages merged with the
 * socket's, by id, so a reply that is in both shows once; reactions come live to both.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { RoomFrame, WireMessage } from "../../../core/protocol";
import { answer, api, type User } from "../../lib/api";
import { mergeMessages } from "../../lib/history-window";
import { withKeptReactions } from "../../lib/threads";
import type { Outgoing, Reply } from "../../lib/use-room";
import { Composer } from "../conversation/composer";
import { MessageItem, OutgoingItem } from "../conversation/message-item";
import styles from "./thread.module.css";

type ReactionFrame = Extract<RoomFrame, { type: "reaction" }>;

/** Replies a page holds. */
const PAGE_SIZE = 50;

type ThreadPanelProps = {
  root: WireMessage;
  me: User;
  people: Map<number, User>;
  /** Replies the room's socket brought for this root. */
  live: WireMessage[];
  /** Reaction frames for replies the socket did not bring: applied to the ones paged in here. */
  reactions?: readonly ReactionFrame[];
  onReact?: (id: number, emoji: string, add: boolean) => Promise<void>;
  /** My sends in this thread not yet acknowledged. */
  outgoing: Outgoing[];
  onSend: (text: string, reply: Reply) => void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  onEdit: (id: number, content: string) => Promise<void>;
  onDelete: (id: number) => Promise<void>;
  onClose: () => void;
  /** Opens someone's profile card from their name or picture on a message. */
  onShowProfile?: (person: User) => void;
};

export function ThreadPanel(props: ThreadPanelProps) {
  const { root, me, people, live, onClose } = props;
  const [paged, setPaged] = useState<WireMessage[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [problem, setProblem] = useState("");
  const [loading, setLoading] = useState(true);
  const title = useRef<HTMLHeadingElement>(null);

  const page = (before?: number) =>
    answer(
      api.rooms[":id"].messages.$get({
        param: { id: String(root.room) },
        query: { thread: String(root.id), limit: String(PAGE_SIZE), ...(before && { before: String(before) }) },
      }),
    );

  useEffect(() => {
    let stopped = false;
    setPaged([]);
    setLoading(true);
    title.current?.focus();
    page().then(
      (first) => {
        if (stopped) return;
        setPaged(first.messages);
        setHasOlder(first.has_more);
        setLoading(false);
      },
      (err: Error) => {
        if (stopped) return;
        setProblem(err.message);
        setLoading(false);
      },
    );
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && !event.defaultPrevented && onClose();
    addEventListener("keydown", onKey);
    return () => {
      stopped = true;
      removeEventListener("keydown", onKey);
    };
  }, [root.room, root.id]);

  // A socket copy is at least as new as a paged one (an edit, a delete, a reaction).
  const replies = mergeMessages(withKeptReactions(paged, props.reactions ?? []), live);
  const older = async () => {
    try {
      const next = await page(replies[0]?.id);
      setPaged((shown) => mergeMessages(next.messages, shown));
      setHasOlder(next.has_more);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };

  const item = (message: WireMessage, first: boolean) => (
    <MessageItem
      key={message.id}
      message={message}
      sender={people.get(message.sender)}
      mine={message.sender === me.id}
      first={first}
      seenBy={[]}
      onEdit={props.onEdit}
      onDelete={props.onDelete}
      moderator={me.is_superuser}
      me={me.id}
      people={people}
      onReact={props.onReact}
      onShowProfile={props.onShowProfile}
    />
  );
  const count = root.thread?.reply_count ?? replies.filter((m) => !m.deleted).length;
  return (
    <aside class={styles.panel} aria-labelledby="thread-title">
      <header class={styles.panelHeader}>
        <h2 id="thread-title" tabIndex={-1} ref={title}>
          Thread
        </h2>
        <button type="button" onClick={onClose} aria-label="Close the thread">
          ×
        </button>
      </header>
      {problem && <p role="alert">{problem}</p>}
      <div class={styles.panelScroll} role="log" aria-label="Replies in the thread">
        <ol class={styles.list}>{item(root, true)}</ol>
        <p class={styles.count}>{count === 1 ? "1 reply" : `${count} replies`}</p>
        {hasOlder && (
          <button type="button" onClick={() => void older()}>
            Load older replies
          </button>
        )}
        {loading && <p>Loading replies…</p>}
        <ol class={styles.list}>
          {replies.map((message, i) => item(message, i === 0 || replies[i - 1].sender !== message.sender))}
          {props.outgoing
            .filter((o) => o.echoed === undefined)
            .map((o) => (
              <OutgoingItem
                key={o.client_id}
                item={o}
                onRetry={() => props.onRetry(o.client_id)}
                onDiscard={() => props.onDiscard(o.client_id)}
              />
            ))}
        </ol>
      </div>
      <Composer label="Reply in the thread" onSend={(text) => props.onSend(text, { thread: root.id })} />
    </aside>
  );
}
