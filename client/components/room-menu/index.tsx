/** A room's menu: what I hear of it (its notification level) and hiding it from my list. */
import { useState } from "preact/hooks";
import { NOTIFY_LEVELS, type NotifyLevel } from "../../../core/protocol-constants";
import { answer, api } from "../../lib/api";

const SAYS: Record<NotifyLevel, string> = {
  everything: "Notify me of every message",
  mentions: "Only when I am mentioned",
  nothing: "Muted",
};

export function RoomMenu({
  roomId,
  notify,
  onChanged,
}: {
  roomId: number;
  notify: NotifyLevel;
  /** The level or hiding changed: the room list reads it again. */
  onChanged: () => void;
}) {
  const [problem, setProblem] = useState("");
  const change = (json: { notify?: NotifyLevel; hidden?: boolean }) =>
    answer(api.rooms[":id"].membership.$patch({ param: { id: String(roomId) }, json })).then(
      () => {
        setProblem("");
        onChanged();
      },
      (err: Error) => setProblem(err.message),
    );
  return (
    <>
      <label class="visually-hidden" for={`notify-${roomId}`}>
        Notifications for this room
      </label>
      <select
        id={`notify-${roomId}`}
        value={notify}
        onChange={(event) => void change({ notify: (event.target as HTMLSelectElement).value as NotifyLevel })}
      >
        {NOTIFY_LEVELS.map((level) => (
          <option key={level} value={level}>
            {SAYS[level]}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => void change({ hidden: true })} title="Hide until someone mentions you">
        Hide
      </button>
      {problem && <span role="alert">{problem}</span>}
    </>
  );
}
