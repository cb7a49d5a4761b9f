/**
 * The rooms I hid, at the end of the sidebar: closed until clicked, then read from the API
 * (GET /rooms/?hidden=true) each time it opens; "Show" brings a room back to my list.
 */
import { useState } from "preact/hooks";
import { answer, api, type User } from "../../lib/api";
import { roomName } from "../../lib/rooms";
import type { RoomSummary } from "../../lib/use-inbox";
import styles from "./hidden-rooms.module.css";

export function HiddenRooms({ me, onShown }: { me: User; onShown: (roomId: number) => void }) {
  /** null while closed. */
  const [rooms, setRooms] = useState<RoomSummary[] | null>(null);
  const [problem, setProblem] = useState("");
  const toggle = async () => {
    setProblem("");
    if (rooms) return setRooms(null);
    try {
      setRooms((await answer(api.rooms.$get({ query: { hidden: "true", limit: "100" } }))).results);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  const show = async (room: RoomSummary) => {
    try {
      await answer(api.rooms[":id"].membership.$patch({ param: { id: String(room.id) }, json: { hidden: false } }));
      setRooms((list) => list?.filter((r) => r.id !== room.id) ?? null);
      onShown(room.id);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  return (
    <section class={styles.hidden} aria-label="Hidden rooms">
      <button type="button" class={styles.toggle} aria-expanded={rooms !== null} onClick={() => void toggle()}>
        Hidden rooms
      </button>
      {rooms?.length === 0 && <p class={styles.note}>No hidden rooms.</p>}
      {rooms && rooms.length > 0 && (
        <ul class={styles.list}>
          {rooms.map((room) => (
            <li key={room.id} class={styles.room}>
              <span class={styles.name}>{roomName(room, me.id)}</span>
              <button type="button" onClick={() => void show(room)}>
                Show<span class="visually-hidden"> {roomName(room, me.id)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p class={styles.note} role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
