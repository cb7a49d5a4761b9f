/**
 * One message in a conversation: its sender (the first of a run, in groups), its text as
 * Markdown, time, edited or deleted marks, and a "Copy link" to it; for my own, who has seen
 * it and editing or deleting it; for one still on its way, "sending" or "failed" with a
 * retry. The message a link opened the conversation at is highlighted.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { WireMessage } from "../../../core/protocol";
import { MAX_MESSAGE_LENGTH } from "../../../core/protocol-constants";
import type { User } from "../../lib/api";
import { messageLink } from "../../lib/message-links";
import { offline } from "../../lib/outbox";
import { clockTime, fullTime } from "../../lib/times";
import type { Outgoing } from "../../lib/use-room";
import { MessageFiles } from "../attachments";
import { Avatar } from "../avatar";
import { LinkPreviews } from "../link-preview";
import { MessageText, mentionNamesOf } from "../message-text";
import { Reactions } from "../reactions";
import { QuoteOf } from "../thread/quote";
import { ThreadLink } from "../thread/summary";
import styles from "./conversation.module.css";

type MessageItemProps = {
  message: WireMessage;
  sender: User | undefined;
  mine: boolean;
  /** First of a run by one sender: shows the name and picture in a group. */
  first: boolean;
  inGroup: boolean;
  seenBy: string[];
  /** The message a link opened the conversation at. */
  linked?: boolean;
  onEdit: (id: number, content: string) => Promise<void>;
  onDelete: (id: number) => Promise<void>;
  /** Who I am and the room's people by id, for reactions, quotes and thread summaries; without them a message shows no reactions. */
  me?: number;
  people?: Map<number, User>;
  onReact?: (id: number, emoji: string, add: boolean) => Promise<void>;
  /** Quote-replies to it ("Reply"). */
  onQuote?: () => void;
  /** Opens its thread ("Reply in thread", and its summary). */
  onOpenThread?: () => void;
};

function EditForm({
  message,
  onSave,
  onCancel,
}: {
  message: WireMessage;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(message.content);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);
  const id = `edit-${message.id}`;
  return (
    <form
      class={styles.editForm}
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) onSave(text);
      }}
    >
      <label for={id} class="visually-hidden">
        Edit message
      </label>
      <textarea
        id={id}
        class={styles.input}
        value={text}
        maxLength={MAX_MESSAGE_LENGTH}
        ref={box}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            // Esc ends the edit only, not the thread panel around it.
            event.preventDefault();
            onCancel();
          }
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            if (text.trim()) onSave(text);
          }
        }}
      />
      <span class={styles.editActions}>
        <button type="submit" class={styles.small}>
          Save
        </button>
        <button type="button" class={styles.small} onClick={onCancel}>
          Cancel
        </button>
      </span>
    </form>
  );
}

/** How long "Link copied" shows after a copy. */
const COPIED_SHOWS_MS = 2_000;

export function MessageItem({
  message,
  sender,
  mine,
  first,
  inGroup,
  seenBy,
  linked = false,
  onEdit,
  onDelete,
  me,
  people,
  onReact,
  onQuote,
  onOpenThread,
}: MessageItemProps) {
  const personOf = (id: number) => people?.get(id);
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState("");
  const [copied, setCopied] = useState(false);
  const name = sender?.full_name ?? "Someone";
  const showSender = inGroup && !mine && first;
  const mentionsMe = me !== undefined && (message.mentions?.includes(me) ?? false);
  const gist = message.deleted ? "deleted message" : message.content.slice(0, 40);
  const act = (work: Promise<void>) =>
    work.then(
      () => setProblem(""),
      (err: Error) => setProblem(err.message),
    );
  const copyLink = () => {
    const link = messageLink(message.room, message.id);
    // The clipboard is missing outside a secure context and may be refused: then the link is shown.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(link))
      .then(
        () => {
          setProblem("");
          setCopied(true);
        },
        () => setProblem(`Could not copy the link; here it is: ${link}`),
      );
  };
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), COPIED_SHOWS_MS);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <li
      class={`${styles.message} ${mine ? styles.mine : ""} ${first ? styles.first : ""} ${linked ? styles.linked : ""}`}
      data-message-id={message.id}
      // The linked message takes focus when the conversation opens at it, so a screen reader starts there.
      tabIndex={linked ? -1 : undefined}
    >
      {inGroup && !mine && (
        <span class={styles.gutter}>{first && <Avatar src={sender?.avatar_url} name={name} size={32} />}</span>
      )}
      <div class={`${styles.bubble} ${mentionsMe ? styles.mentionsMe : ""}`}>
        {linked && <span class={styles.linkedMark}>Linked message</span>}
        {mentionsMe && <span class="visually-hidden">Mentions you: </span>}
        {showSender && <span class={styles.sender}>{name}</span>}
        {message.reply_to && (
          <QuoteOf
            room={message.room}
            quote={message.reply_to}
            name={personOf(message.reply_to.sender)?.full_name ?? "Someone"}
          />
        )}
        {editing ? (
          <EditForm
            message={message}
            onCancel={() => setEditing(false)}
            onSave={(text) => {
              setEditing(false);
              void act(onEdit(message.id, text));
            }}
          />
        ) : message.deleted ? (
          <p class={`${styles.text} ${styles.deleted}`} data-message-text>
            This message was deleted.
          </p>
        ) : (
          <>
            {(message.content || message.previews) && (
              <div class={styles.text} data-message-text>
                {message.content && (
                  <MessageText
                    text={message.content}
                    mentions={mentionNamesOf(message.mentions, me, (id) => personOf(id)?.username)}
                  />
                )}
                {message.previews && <LinkPreviews previews={message.previews} />}
              </div>
            )}
            {message.attachments && <MessageFiles files={message.attachments} />}
          </>
        )}
        <span class={styles.meta}>
          <time dateTime={message.timestamp} title={fullTime(message.timestamp)}>
            {clockTime(message.timestamp)}
          </time>
          {message.edited_at && !message.deleted && <span> · edited</span>}
          {mine && <span> · {seenBy.length > 0 ? `Seen by ${seenBy.join(", ")}` : "Sent"}</span>}
          <span role="status">{copied ? " · Link copied" : ""}</span>
        </span>
        {me !== undefined && people && onReact && !message.deleted && (
          <Reactions
            reactions={message.reactions ?? []}
            me={me}
            people={people}
            onReact={(emoji, add) => void act(onReact(message.id, emoji, add))}
          />
        )}
        {message.thread && onOpenThread && (
          <ThreadLink thread={message.thread} people={personOf} onOpen={onOpenThread} />
        )}
        {problem && (
          <span role="alert" class={styles.problem}>
            {problem}
          </span>
        )}
      </div>
      {!editing && (
        <span class={styles.actions}>
          <button type="button" class={styles.small} onClick={copyLink} aria-label={`Copy link to message: ${gist}`}>
            Copy link
          </button>
          {!message.deleted && onQuote && (
            <button type="button" class={styles.small} onClick={onQuote} aria-label={`Reply to message: ${gist}`}>
              Reply
            </button>
          )}
          {!message.deleted && onOpenThread && (
            <button
              type="button"
              class={styles.small}
              onClick={onOpenThread}
              aria-label={`Reply in thread to message: ${gist}`}
            >
              Reply in thread
            </button>
          )}
          {mine && !message.deleted && (
            <>
              <button
                type="button"
                class={styles.small}
                onClick={() => setEditing(true)}
                aria-label={`Edit message: ${gist}`}
              >
                Edit
              </button>
              <button
                type="button"
                class={styles.small}
                aria-label={`Delete message: ${gist}`}
                onClick={() => confirm("Delete this message for everyone?") && void act(onDelete(message.id))}
              >
                Delete
              </button>
            </>
          )}
        </span>
      )}
    </li>
  );
}

/** A message of mine still on its way, or refused. */
export function OutgoingItem({
  item,
  onRetry,
  onDiscard,
}: {
  item: Outgoing;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  return (
    <li class={`${styles.message} ${styles.mine} ${styles.first}`} data-client-id={item.client_id}>
      <div class={`${styles.bubble} ${item.status === "failed" ? styles.failed : styles.sending}`}>
        <div class={styles.text}>
          <MessageText text={item.content} />
          {item.attachments && ` (${item.attachments.length} file${item.attachments.length === 1 ? "" : "s"})`}
        </div>
        <span class={styles.meta}>
          {item.status === "sending" ? (
            offline() ? (
              "Waiting: offline"
            ) : (
              "Sending…"
            )
          ) : (
            <span role="alert">
              Not sent{item.problem ? `: ${item.problem}` : ""}{" "}
              <button type="button" class={styles.small} onClick={onRetry}>
                Retry
              </button>{" "}
              <button type="button" class={styles.small} onClick={onDiscard}>
                Discard
              </button>
            </span>
          )}
        </span>
      </div>
    </li>
  );
}
