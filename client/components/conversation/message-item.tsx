/**
 * One message in a conversation, as a compact row: the first of a run by one sender shows
 * their picture, name and time, the rest their time on hover or focus. Its text as Markdown,
 * edited or deleted marks, and for my latest message who has seen it. A sender's name or
 * picture opens their profile card, as a name in "Seen by" does. Its actions (react,
 * reply, thread, copy link, and for mine edit and delete) sit in a toolbar shown on hover
 * or focus, and on a touch screen in a sheet a long press opens; deleting asks first. For
 * one still on its way, "sending" or "failed" with a retry. The message a link opened the
 * conversation at is highlighted.
 */

import { Fragment } from "preact";
import { createPortal } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import type { WireMessage } from "../../../core/protocol";
import { MAX_MESSAGE_LENGTH, QUICK_REACTIONS } from "../../../core/protocol-constants";
import type { User } from "../../lib/api";
import { messageLink } from "../../lib/message-links";
import { offline } from "../../lib/outbox";
import { isMine } from "../../lib/reactions";
import { clockTime, fullTime } from "../../lib/times";
import type { Outgoing } from "../../lib/use-room";
import { MessageFiles } from "../attachments";
import { Avatar } from "../avatar";
import { BotBadge } from "../bot-badge";
import { Dialog } from "../dialog";
import { Confirm } from "../dialog/confirm";
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
  /** First of a run by one sender: shows the name, picture and time (the others show their time on hover or focus). */
  first: boolean;
  /** Who has read it (their ids), for my latest message. */
  seenBy: number[];
  /** My latest message: the only one that says "Sent" or "Seen by". */
  latest?: boolean;
  /** The message a link opened the conversation at. */
  linked?: boolean;
  onEdit: (id: number, content: string) => Promise<void>;
  onDelete: (id: number) => Promise<void>;
  /** I am a superuser: I may remove anyone's message, which then shows as removed by an administrator. */
  moderator?: boolean;
  /** Who I am and the room's people by id, for reactions, quotes and thread summaries; without them a message shows no reactions. */
  me?: number;
  people?: Map<number, User>;
  onReact?: (id: number, emoji: string, add: boolean) => Promise<void>;
  /** Quote-replies to it ("Reply"). */
  onQuote?: () => void;
  /** Opens its thread ("Reply in thread", and its summary). */
  onOpenThread?: () => void;
  /** Opens a person's profile card: the sender's, from their name or picture, or a reader's from "Seen by". */
  onShowProfile?: (person: User) => void;
};

/** A person's name as a way to their profile card, or just their name when there is no card to show. */
function PersonName({
  person,
  name,
  onShowProfile,
}: {
  person: User | undefined;
  name: string;
  onShowProfile?: (person: User) => void;
}) {
  if (!person || !onShowProfile) return <span>{name}</span>;
  return (
    <button
      type="button"
      class={styles.personName}
      aria-label={`Show ${name}'s profile`}
      aria-haspopup="dialog"
      onClick={() => onShowProfile(person)}
    >
      {name}
    </button>
  );
}

/** "Seen by" and the names of those who read it, each a way to their card. */
function SeenBy({ readers, onShowProfile }: { readers: (User | undefined)[]; onShowProfile?: (person: User) => void }) {
  return (
    <span>
      Seen by{" "}
      {readers.map((person, i) => (
        <Fragment key={person?.id ?? `someone-${i}`}>
          {i > 0 && ", "}
          <PersonName person={person} name={person?.full_name ?? "Someone"} onShowProfile={onShowProfile} />
        </Fragment>
      ))}
    </span>
  );
}

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
/** A touch held this long opens the message's actions. */
const LONG_PRESS_MS = 500;
/** A finger that drifts further than this is scrolling, not pressing. */
const PRESS_SLOP_PX = 10;

/** What can be done to a message, for its toolbar and its sheet alike. */
type Action = { label: string; name: string; run: () => void; danger?: boolean };

export function MessageItem({
  message,
  sender,
  mine,
  first,
  seenBy,
  latest = false,
  linked = false,
  onEdit,
  onDelete,
  moderator = false,
  me,
  people,
  onReact,
  onQuote,
  onOpenThread,
  onShowProfile,
}: MessageItemProps) {
  const personOf = (id: number) => people?.get(id);
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState("");
  const [copied, setCopied] = useState(false);
  /** What waits for a yes: deleting my message, or removing someone else's as a moderator. */
  const [deleting, setDeleting] = useState<"delete" | "remove" | null>(null);
  const [sheet, setSheet] = useState(false);
  const press = useRef<{ timer?: ReturnType<typeof setTimeout>; x: number; y: number }>({ x: 0, y: 0 });
  const name = sender?.full_name ?? "Someone";
  const mentionsMe = me !== undefined && (message.mentions?.includes(me) ?? false);
  const gist = message.deleted ? "deleted message" : message.content.slice(0, 40);
  const edited = message.edited_at !== null && !message.deleted;
  /** Only my latest message says how far it got. */
  const delivery = mine && latest && !message.deleted;
  const canReact = me !== undefined && people !== undefined && onReact !== undefined && !message.deleted;
  const act = (work: Promise<void>) =>
    work.then(
      () => setProblem(""),
      (err: Error) => setProblem(err.message),
    );
  const react = (emoji: string, add: boolean) => onReact && void act(onReact(message.id, emoji, add));
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
  useEffect(() => () => clearTimeout(press.current.timer), []);

  const actions: Action[] = [
    ...(!message.deleted && onQuote ? [{ label: "Reply", name: `Reply to message: ${gist}`, run: onQuote }] : []),
    ...(!message.deleted && onOpenThread
      ? [{ label: "Reply in thread", name: `Reply in thread to message: ${gist}`, run: onOpenThread }]
      : []),
    { label: "Copy link", name: `Copy link to message: ${gist}`, run: copyLink },
    ...(mine && !message.deleted
      ? [
          { label: "Edit", name: `Edit message: ${gist}`, run: () => setEditing(true) },
          { label: "Delete", name: `Delete message: ${gist}`, run: () => setDeleting("delete"), danger: true },
        ]
      : []),
    ...(moderator && !mine && !message.deleted
      ? [{ label: "Remove", name: `Remove message: ${gist}`, run: () => setDeleting("remove"), danger: true }]
      : []),
  ];

  // A long press on a touch screen opens the sheet of actions; a scroll or a lift before then does not.
  const pressStart = (event: PointerEvent) => {
    if (event.pointerType !== "touch" || editing) return;
    clearTimeout(press.current.timer);
    press.current = { timer: setTimeout(() => setSheet(true), LONG_PRESS_MS), x: event.clientX, y: event.clientY };
  };
  const pressEnd = () => clearTimeout(press.current.timer);
  const pressMove = (event: PointerEvent) => {
    const { x, y } = press.current;
    if (event.pointerType === "touch" && Math.hypot(event.clientX - x, event.clientY - y) > PRESS_SLOP_PX) pressEnd();
  };

  return (
    <li
      class={`${styles.message} ${first ? styles.first : ""} ${linked ? styles.linked : ""} ${mentionsMe ? styles.mentionsMe : ""}`}
      data-message-id={message.id}
      // The linked message takes focus when the conversation opens at it, so a screen reader starts there.
      tabIndex={linked ? -1 : undefined}
      onPointerDown={pressStart}
      onPointerUp={pressEnd}
      onPointerCancel={pressEnd}
      onPointerMove={pressMove}
      onContextMenu={(event) => {
        // A long press on a phone raises the context menu: the message's own actions take its place.
        if (editing || !matchMedia("(hover: none)").matches) return;
        event.preventDefault();
        pressEnd();
        setSheet(true);
      }}
    >
      <span class={styles.gutter}>
        {first && sender && onShowProfile ? (
          // The name beside it is the keyboard's way to the card: the picture is one more for a pointer only.
          <button
            type="button"
            class={styles.picture}
            tabIndex={-1}
            aria-hidden="true"
            data-profile-picture
            onClick={() => onShowProfile(sender)}
          >
            <Avatar src={sender.avatar_url} name={name} size={36} />
          </button>
        ) : first ? (
          <Avatar src={sender?.avatar_url} name={name} size={36} />
        ) : (
          <time class={styles.hoverTime} dateTime={message.timestamp} title={fullTime(message.timestamp)}>
            {clockTime(message.timestamp)}
          </time>
        )}
      </span>
      <div class={styles.body}>
        {linked && <span class={styles.linkedMark}>Linked message</span>}
        {mentionsMe && <span class="visually-hidden">Mentions you: </span>}
        {first && (
          <span class={styles.byline}>
            <span class={styles.sender}>
              <PersonName person={sender} name={name} onShowProfile={onShowProfile} />
              {sender?.is_bot && <BotBadge />}
            </span>{" "}
            <time class={styles.time} dateTime={message.timestamp} title={fullTime(message.timestamp)}>
              {clockTime(message.timestamp)}
            </time>
          </span>
        )}
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
            {message.removed_by_admin ? "Removed by an administrator." : "This message was deleted."}
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
        {(edited || delivery) && (
          <span class={styles.meta}>
            {edited && <span>(edited)</span>}
            {delivery &&
              (seenBy.length === 0 ? (
                <span>Sent</span>
              ) : (
                <SeenBy readers={seenBy.map(personOf)} onShowProfile={onShowProfile} />
              ))}
          </span>
        )}
        <span role="status" class={copied ? styles.meta : "visually-hidden"}>
          {copied ? "Link copied" : ""}
        </span>
        {canReact && (message.reactions?.length ?? 0) > 0 && (
          <Reactions reactions={message.reactions ?? []} me={me} people={people} onReact={react} />
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
        // Named by a label, not a legend: a legend's text would read as part of the message's own.
        <fieldset class={styles.toolbar} aria-label={`Actions for message: ${gist}`}>
          {canReact && <Reactions reactions={[]} me={me} people={people} onReact={react} />}
          {actions.map((action) => (
            <button
              key={action.label}
              type="button"
              class={`${styles.tool} ${action.danger ? styles.danger : ""}`}
              onClick={action.run}
              aria-label={action.name}
              title={action.label}
            >
              {action.label}
            </button>
          ))}
        </fieldset>
      )}
      {sheet &&
        createPortal(
          <Dialog title="Message actions" onClose={() => setSheet(false)}>
            {canReact && (
              <fieldset class={styles.sheetReactions}>
                <legend class="visually-hidden">React</legend>
                {QUICK_REACTIONS.map((emoji) => (
                  <button
                    key={emoji}
                    type="button"
                    class={styles.sheetEmoji}
                    aria-label={`React with ${emoji}`}
                    onClick={() => {
                      setSheet(false);
                      react(
                        emoji,
                        !message.reactions?.some((r) => r.emoji === emoji && me !== undefined && isMine(r, me)),
                      );
                    }}
                  >
                    {emoji}
                  </button>
                ))}
              </fieldset>
            )}
            <div class={styles.sheetActions}>
              {actions.map((action) => (
                <button
                  key={action.label}
                  type="button"
                  class={`${styles.sheetAction} ${action.danger ? styles.danger : ""}`}
                  onClick={() => {
                    setSheet(false);
                    action.run();
                  }}
                >
                  {action.label}
                </button>
              ))}
            </div>
          </Dialog>,
          document.body,
        )}
      {deleting &&
        createPortal(
          <Confirm
            title={deleting === "remove" ? "Remove message" : "Delete message"}
            message={
              deleting === "remove"
                ? "Remove this message for everyone? It will show as removed by an administrator."
                : "Delete this message for everyone? This cannot be undone."
            }
            action={deleting === "remove" ? "Remove" : "Delete"}
            onCancel={() => setDeleting(null)}
            onConfirm={() => {
              setDeleting(null);
              void act(onDelete(message.id));
            }}
          />,
          document.body,
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
    <li class={styles.message} data-client-id={item.client_id}>
      <span class={styles.gutter} />
      <div class={`${styles.body} ${item.status === "failed" ? styles.failed : styles.sending}`}>
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
