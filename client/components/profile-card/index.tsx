/**
 * Someone's profile card, shown when their name or picture is clicked: their picture,
 * name, username, status, whether they are here, their email, and Message to open our DM (not on
 * my own card). Any part of the app that shows a person may open it.
 */
import { useEffect, useState } from "preact/hooks";
import { answer, api, type User } from "../../lib/api";
import { fullTime } from "../../lib/times";
import { Avatar } from "../avatar";
import { Dialog } from "../dialog";
import { Status } from "../status";
import styles from "./profile-card.module.css";

type ProfileCardProps = {
  person: User;
  me: User;
  /** Opens my DM with them (a draft when we have none yet). */
  onMessage: (person: User) => void;
  onClose: () => void;
};

/** Whether they are here, as a sentence; nothing when presence is unknown. */
function presenceOf(person: User): string {
  if (person.is_online) return "Online";
  if (person.is_online === false) return person.last_seen ? `Last seen ${fullTime(person.last_seen)}` : "Offline";
  return "";
}

export function ProfileCard({ person: shown, me, onMessage, onClose }: ProfileCardProps) {
  // The person as the page last heard of them, then as they are now: a status or name
  // changed since the page loaded shows on the card.
  const [person, setPerson] = useState(shown);
  useEffect(() => {
    let open = true;
    answer(api.profiles[":id"].$get({ param: { id: String(shown.id) } }))
      .then((now) => open && setPerson(now))
      .catch(() => undefined);
    return () => {
      open = false;
    };
  }, [shown.id]);
  const presence = presenceOf(person);
  return (
    <Dialog title={person.full_name} onClose={onClose}>
      <div class={styles.card}>
        <Avatar src={person.avatar_url} name={person.full_name} size={96} />
        <p class={styles.username}>@{person.username}</p>
        <Status user={person} />
        {presence && <p class={person.is_online ? styles.online : styles.presence}>{presence}</p>}
        {person.id !== me.id && (
          <button
            type="button"
            class={styles.message}
            onClick={() => {
              onClose();
              onMessage(person);
            }}
          >
            Message
          </button>
        )}
        {person.email && (
          <p class={styles.email}>
            <a href={`mailto:${person.email}`}>{person.email}</a>
          </p>
        )}
      </div>
    </Dialog>
  );
}
