/**
 * "Browse open rooms": the open rooms you are not in, with how many are in each, and a
 * Join button that takes you into one.
 */
import { useEffect, useState } from "preact/hooks";
import { answer, api, type Room } from "../../lib/api";
import { useFormAction } from "../../lib/use-form-action";
import { Dialog } from "../dialog";
import form from "../dialog/form.module.css";

type OpenRoom = { id: number; title: string; member_count: number };

export function OpenRooms({ onJoined, onClose }: { onJoined: (room: Room) => void; onClose: () => void }) {
  const [rooms, setRooms] = useState<OpenRoom[] | null>(null);
  const { problem, busy, run } = useFormAction();
  useEffect(() => {
    void run(async () => setRooms((await answer(api.rooms.open.$get({ query: {} }))).results));
  }, []);
  const join = (id: number) =>
    void run(async () => onJoined(await answer(api.rooms[":id"].join.$post({ param: { id: String(id) } }))));
  return (
    <Dialog title="Open rooms" onClose={onClose}>
      {rooms === null && !problem.message && <p role="status">Loading…</p>}
      {rooms?.length === 0 && <p>No open rooms to join: you are in all of them.</p>}
      <ul>
        {rooms?.map((room) => (
          <li key={room.id}>
            <span>{room.title}</span>{" "}
            <span>({room.member_count === 1 ? "1 person" : `${room.member_count} people`})</span>{" "}
            <button type="button" class={form.button} disabled={busy} onClick={() => join(room.id)}>
              Join
            </button>
          </li>
        ))}
      </ul>
      {problem.message && (
        <p role="alert" class={form.alert}>
          {problem.message}
        </p>
      )}
    </Dialog>
  );
}

export default OpenRooms;
