/**
 * A room's details: its members and whether each is online; for a group, adding people
 * (any member), removing them, renaming and opening it to everyone (its owner or a
 * superuser, as the API allows), making new people join it (superusers), and leaving. Controls someone may not use are not shown at all.
 */
import { useRef, useState } from "preact/hooks";
import { answer, api, type Room, type User } from "../../lib/api";
import { useFormAction } from "../../lib/use-form-action";
import { Dialog } from "../dialog";
import { Confirm } from "../dialog/confirm";
import { Field } from "../dialog/field";
import form from "../dialog/form.module.css";
import { problemOf } from "../dialog/problem";
import { PeoplePicker, Person } from "../people-picker";
import styles from "./group-details.module.css";

export type GroupDetailsProps = {
  room: Room;
  me: User;
  /** Called with the room after a rename, an addition or a removal. */
  onChanged: (room: Room) => void;
  /** Called once I have left the group. */
  onLeft: () => void;
  onClose: () => void;
};

/** Whether `me` may rename the room and remove people: its owner (the creator until they leave), or any superuser. */
const canManage = (room: Room, me: User) => room.is_group && (me.is_superuser || room.owner === me.id);

function Rename({ room, onChanged }: { room: Room; onChanged: (room: Room) => void }) {
  const [title, setTitle] = useState(room.title);
  const { problem, run, edited } = useFormAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () =>
      onChanged(
        await answer(api.rooms[":id"].$patch({ param: { id: String(room.id) }, json: { title: title.trim() } })),
      ),
    );
  };
  return (
    <form class={`${form.form} ${styles.inline}`} onSubmit={submit} onInput={edited} noValidate>
      <Field
        label="Group title"
        value={title}
        onInput={setTitle}
        maxLength={255}
        required
        autoComplete="off"
        error={problem.fields.title}
      />
      <button type="submit" class={form.button} disabled={title.trim() === room.title}>
        Rename
      </button>
      {problem.message && !problem.fields.title && (
        <p role="alert" class={form.alert}>
          {problem.message}
        </p>
      )}
    </form>
  );
}

type RoomFlag = "open" | "default";

/**
 * Who may find the group, and whether new people join it: each box is saved when ticked,
 * and stays as the server has it when refused.
 */
function RoomFlags({ room, me, onChanged }: { room: Room; me: User; onChanged: (room: Room) => void }) {
  const [error, setError] = useState("");
  const [saving, setSaving] = useState(false);
  const change = async (flag: RoomFlag, on: boolean) => {
    setSaving(true);
    setError("");
    try {
      onChanged(await answer(api.rooms[":id"].$patch({ param: { id: String(room.id) }, json: { [flag]: on } })));
    } catch (err) {
      setError(problemOf(err).message);
    } finally {
      setSaving(false);
    }
  };
  const box = (flag: RoomFlag, label: string) => (
    <label class={styles.flag}>
      <input
        type="checkbox"
        checked={room[flag]}
        disabled={saving}
        onChange={(event) => {
          const on = event.currentTarget.checked;
          // The room prop says what is saved; the box follows it, not the click.
          event.currentTarget.checked = room[flag];
          void change(flag, on);
        }}
      />{" "}
      {label}
    </label>
  );
  return (
    <fieldset class={styles.flags}>
      <legend class="visually-hidden">Who joins</legend>
      {box("open", "Anyone can find and join it")}
      {me.is_superuser && box("default", "New people join it when their account is made")}
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

function AddMembers({ room, onChanged }: { room: Room; onChanged: (room: Room) => void }) {
  const [chosen, setChosen] = useState<User[]>([]);
  const [error, setError] = useState("");
  const add = async () => {
    try {
      onChanged(
        await answer(
          api.rooms[":id"].members.$post({
            param: { id: String(room.id) },
            json: { participants: chosen.map((user) => user.id) },
          }),
        ),
      );
      setChosen([]);
      setError("");
    } catch (err) {
      setError(problemOf(err).message);
    }
  };
  return (
    <div class={form.form}>
      <PeoplePicker
        label="Add people"
        chosen={chosen}
        onChange={setChosen}
        exclude={room.participants.map((user) => user.id)}
      />
      {chosen.length > 0 && (
        <div class={form.actions}>
          <button type="button" class={`${form.button} ${form.primary}`} onClick={add}>
            Add {chosen.length === 1 ? chosen[0].full_name : `${chosen.length} people`} to the group
          </button>
        </div>
      )}
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The details dialog of a room I am in. */
export function GroupDetails({ room, me, onChanged, onLeft, onClose }: GroupDetailsProps) {
  const [error, setError] = useState("");
  /** What waits for a yes: leaving, or removing someone. */
  const [confirming, setConfirming] = useState<{ leave: true } | { remove: User } | null>(null);
  const manager = canManage(room, me);
  const membersHeading = useRef<HTMLHeadingElement>(null);

  const remove = async (user: User) => {
    setConfirming(null);
    setError("");
    try {
      await answer(
        api.rooms[":id"].members[":user_id"].$delete({ param: { id: String(room.id), user_id: String(user.id) } }),
      );
      onChanged({ ...room, participants: room.participants.filter((u) => u.id !== user.id) });
      // Their row and its button are gone: keep the keyboard in the list, not on the page.
      membersHeading.current?.focus();
    } catch (err) {
      setError(problemOf(err).message);
    }
  };
  const leave = async () => {
    setConfirming(null);
    setError("");
    try {
      await answer(api.rooms[":id"].leave.$post({ param: { id: String(room.id) } }));
      onLeft();
    } catch (err) {
      setError(problemOf(err).message);
    }
  };

  return (
    <Dialog title={room.is_group ? "Group details" : "Conversation details"} onClose={onClose}>
      {manager ? <Rename room={room} onChanged={onChanged} /> : <p class={styles.title}>{room.title}</p>}
      {manager && <RoomFlags room={room} me={me} onChanged={onChanged} />}
      <h3 ref={membersHeading} class={styles.heading} tabIndex={-1}>
        {room.participants.length === 1 ? "1 member" : `${room.participants.length} members`}
      </h3>
      <ul class={styles.members} aria-label="Members">
        {room.participants.map((user) => (
          <li key={user.id}>
            <Person user={user} />
            {user.id === room.owner && <span class={styles.badge}>owner</span>}
            {user.id === me.id && <span class={styles.badge}>you</span>}
            {manager && user.id !== me.id && (
              <button
                type="button"
                class={`${form.button} ${form.danger}`}
                onClick={() => setConfirming({ remove: user })}
              >
                Remove <span class="visually-hidden">{user.full_name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {room.is_group && <AddMembers room={room} onChanged={onChanged} />}
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
      {room.is_group && (
        <div class={form.actions}>
          <button type="button" class={`${form.button} ${form.danger}`} onClick={() => setConfirming({ leave: true })}>
            Leave group
          </button>
        </div>
      )}
      {confirming && "leave" in confirming && (
        <Confirm
          title="Leave this group?"
          message={`You will no longer see new messages in ${room.title}, and someone will have to add you back.`}
          action="Leave group"
          onConfirm={leave}
          onCancel={() => setConfirming(null)}
        />
      )}
      {confirming && "remove" in confirming && (
        <Confirm
          title={`Remove ${confirming.remove.full_name}?`}
          message={`${confirming.remove.full_name} will no longer see ${room.title} or its messages.`}
          action="Remove"
          onConfirm={() => remove(confirming.remove)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </Dialog>
  );
}

export default GroupDetails;
