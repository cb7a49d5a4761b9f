/**
 * Message search across my rooms: a box with a short help of the query language, and the
 * results grouped by room, newest first, each match marked. A result opens its message in
 * its room. Highlights are split into text and <mark> elements: never parsed as HTML.
 */
import { MATCH_END, MATCH_START } from "../../../core/protocol-constants";
import type { User } from "../../lib/api";
import { roomName } from "../../lib/rooms";
import { fullTime, listTime } from "../../lib/times";
import { type SearchResult, useMessageSearch } from "../../lib/use-message-search";
import { usePeople } from "../../lib/use-people";
import styles from "./message-search.module.css";

type RoomLike = { id: number; title: string; is_group: boolean; participants: User[] };

type MessageSearchProps = {
  me: User;
  /** My rooms as the sidebar knows them: their names and who is in them. */
  rooms: RoomLike[];
  query: string;
  onQuery: (query: string) => void;
  onOpen: (result: SearchResult) => void;
  onBack: () => void;
};

/** A highlight's pieces in order: the text between MATCH_START and MATCH_END is a match. */
export function highlightParts(highlight: string): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  let match = false;
  let text = "";
  const flush = () => {
    if (text) parts.push({ text, match });
    text = "";
  };
  for (const char of highlight) {
    if (char === MATCH_START || char === MATCH_END) {
      flush();
      match = char === MATCH_START;
    } else text += char;
  }
  flush();
  return parts;
}

function Highlight({ text }: { text: string }) {
  return (
    <>
      {highlightParts(text).map((part, i) =>
        part.match ? (
          <mark key={i} class={styles.match}>
            {part.text}
          </mark>
        ) : (
          part.text
        ),
      )}
    </>
  );
}

/** Results by room, the room with the newest result first; each room's results newest first. */
function byRoom(results: SearchResult[]): { room: number; title: string; results: SearchResult[] }[] {
  const groups = new Map<number, { room: number; title: string; results: SearchResult[] }>();
  for (const result of results) {
    const group = groups.get(result.room) ?? { room: result.room, title: result.room_title, results: [] };
    group.results.push(result);
    groups.set(result.room, group);
  }
  return [...groups.values()];
}

export function MessageSearch({ me, rooms, query, onQuery, onOpen, onBack }: MessageSearchProps) {
  const search = useMessageSearch(query);
  const roomOf = (id: number) => rooms.find((room) => room.id === id);
  // Everyone in my rooms is known; people who have left them are looked up.
  const everyone = rooms.flatMap((room) => room.participants);
  const people = usePeople(
    everyone,
    search.results.map((result) => result.sender),
  );
  const senderName = (result: SearchResult) =>
    result.sender === me.id ? "You" : (people.get(result.sender)?.full_name ?? "Someone");
  const status = search.problem
    ? search.problem
    : search.searching
      ? "Searching…"
      : query.trim() && search.results.length === 0
        ? "No messages match."
        : "";
  return (
    <div class={styles.page}>
      <button type="button" class={styles.back} onClick={onBack}>
        ← Back to conversations
      </button>
      <h2 class={styles.title}>Search messages</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every browser we support */}
      <div role="search">
        <label for="message-search" class="visually-hidden">
          Search messages
        </label>
        <input
          id="message-search"
          class={styles.input}
          type="search"
          placeholder='Search messages, e.g. lunch "on friday" from:ana'
          value={query}
          onInput={(event) => onQuery(event.currentTarget.value)}
          autoComplete="off"
          // biome-ignore lint/a11y/noAutofocus: the person opened this page to type here
          autoFocus
        />
      </div>
      <details class={styles.help}>
        <summary>How to search</summary>
        <ul>
          <li>
            <code>lunch noon</code>: messages with both words; the last word may be the start of one (<code>lun</code>{" "}
            finds “lunch”)
          </li>
          <li>
            <code>"on friday"</code>: these words together, in this order
          </li>
          <li>
            <code>-pizza</code>, <code>-"pizza party"</code>: leave out messages with it
          </li>
          <li>
            <code>from:ana</code>: sent by the person with that username
          </li>
          <li>
            <code>in:12</code>: in the room with that number only
          </li>
          <li>
            <code>after:2025-01-01</code>, <code>before:2025-02-01</code>: on or after, or before, that day
          </li>
        </ul>
      </details>
      <p class={styles.status} role="status">
        {status}
      </p>
      {byRoom(search.results).map((group) => {
        const room = roomOf(group.room);
        const name = room ? roomName(room, me.id) : group.title;
        const headingId = `search-room-${group.room}`;
        return (
          <section key={group.room} aria-labelledby={headingId} class={styles.group}>
            <h3 id={headingId} class={styles.roomName}>
              {name}
            </h3>
            <ul class={styles.list}>
              {group.results.map((result) => (
                <li key={result.id}>
                  <button type="button" class={styles.result} onClick={() => onOpen(result)}>
                    <span class={styles.meta}>
                      <span class={styles.sender}>{senderName(result)}</span>
                      <time dateTime={result.timestamp} title={fullTime(result.timestamp)}>
                        {listTime(result.timestamp)}
                      </time>
                    </span>
                    <span class={styles.text}>
                      <Highlight text={result.highlight} />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      {search.hasMore && (
        <button type="button" class={styles.more} onClick={search.more} disabled={search.loadingMore}>
          {search.loadingMore ? "Loading…" : "More results"}
        </button>
      )}
    </div>
  );
}
