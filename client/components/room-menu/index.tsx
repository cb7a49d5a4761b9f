/**
 * A room's menu in its header: a button showing what I hear of the room (its notification
 * level), opening a menu to choose another level or hide the room from my list.
 */
import { useState } from "preact/hooks";
import { NOTIFY_LEVELS, type NotifyLevel } from "../../../core/protocol-constants";
import { answer, api } from "../../lib/api";
import { MenuGroup, MenuItem, useMenu } from "../menu";
import { Bell } from "./bell";
import styles from "./room-menu.module.css";

/** Each level as the menu offers it. */
const SAYS: Record<NotifyLevel, string> = {
  everything: "Every message",
  mentions: "Only when I am mentioned",
  nothing: "Nothing (muted)",
};

/** Each level as the button shows it. */
const SHORT: Record<NotifyLevel, string> = {
  everything: "All messages",
  mentions: "Mentions",
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
  const { open, openerProps, menuProps, choose } = useMenu("end");
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
    <div class={styles.roomMenu}>
      <button {...openerProps} class={styles.opener} aria-label={`Notifications: ${SHORT[notify]}`}>
        <Bell struck={notify === "nothing"} class={styles.icon} />
        <span class={styles.level}>{SHORT[notify]}</span>
        <span class={styles.chevron} aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div {...menuProps} role="menu" aria-label="This room">
          <MenuGroup label="Notify me of">
            {NOTIFY_LEVELS.map((level) => (
              <MenuItem
                key={level}
                checked={level === notify}
                onClick={choose(() => {
                  if (level !== notify) void change({ notify: level });
                })}
              >
                {SAYS[level]}
              </MenuItem>
            ))}
          </MenuGroup>
          <MenuItem onClick={choose(() => void change({ hidden: true }))}>Hide until someone mentions me</MenuItem>
        </div>
      )}
      {problem && (
        <span role="alert" class={styles.problem}>
          {problem}
        </span>
      )}
    </div>
  );
}
