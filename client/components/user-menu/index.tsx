/**
 * My name and picture (and my status's emoji) at the top of the sidebar, opening a menu of
 * what concerns me: my status, profile, notifications (offered while the browser has not
 * been asked, else how they stand), pausing them for a while, the admin page for
 * superusers, and signing out.
 */
import type { User } from "../../lib/api";
import { pauseChoices, pausedUntilText } from "../../lib/do-not-disturb";
import { statusOf } from "../../lib/status";
import { Avatar } from "../avatar";
import { MenuGroup, MenuItem, useMenu } from "../menu";
import { Status } from "../status";
import styles from "./user-menu.module.css";

/** Where notifications stand in this browser: not asked yet, allowed, or refused. */
export type NotificationsState = NotificationPermission;

type UserMenuProps = {
  me: User;
  notifications: NotificationsState;
  onProfile: () => void;
  /** Asks the browser for permission; called from the item's click only. */
  onAskNotifications: () => void;
  onAdmin: () => void;
  onSignOut: () => void;
  /** Until when my notifications are paused; null while they are not. */
  pausedUntil: string | null;
  /** Pauses notifications until a time, or resumes them (null). */
  onPause: (until: string | null) => void;
  /** Opens the dialog that sets my status. */
  onSetStatus: () => void;
  onClearStatus: () => void;
};

const NOTIFICATIONS_ITEM: Record<NotificationsState, string> = {
  default: "Turn on notifications",
  granted: "Notifications: on",
  denied: "Notifications: blocked",
};

export function UserMenu({
  me,
  notifications,
  onProfile,
  onAskNotifications,
  onAdmin,
  onSignOut,
  pausedUntil,
  onPause,
  onSetStatus,
  onClearStatus,
}: UserMenuProps) {
  const { open, openerProps, menuProps, choose } = useMenu();
  const hasStatus = statusOf(me) !== null;

  return (
    <div class={styles.userMenu}>
      <button {...openerProps} class={styles.opener}>
        <Avatar src={me.avatar_url} name={me.full_name} size={36} />
        <span class={styles.name}>{me.full_name}</span>
        <Status user={me} compact />
        <span class={styles.chevron} aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div {...menuProps} role="menu" aria-label="Your account">
          <MenuItem onClick={choose(onSetStatus)}>{hasStatus ? "Change status" : "Set a status"}</MenuItem>
          {hasStatus && <MenuItem onClick={choose(onClearStatus)}>Clear status</MenuItem>}
          <MenuItem onClick={choose(onProfile)}>Profile</MenuItem>
          <MenuItem onClick={choose(notifications === "default" ? onAskNotifications : onProfile)}>
            {NOTIFICATIONS_ITEM[notifications]}
          </MenuItem>
          <MenuGroup label={pausedUntil ? pausedUntilText(pausedUntil) : "Pause notifications"}>
            {pausedUntil ? (
              <MenuItem onClick={choose(() => onPause(null))}>Resume notifications</MenuItem>
            ) : (
              pauseChoices().map((choice) => (
                <MenuItem key={choice.label} onClick={choose(() => onPause(choice.until))}>
                  {choice.label}
                </MenuItem>
              ))
            )}
          </MenuGroup>
          {me.is_superuser && <MenuItem onClick={choose(onAdmin)}>Admin</MenuItem>}
          <MenuItem onClick={choose(onSignOut)}>Sign out</MenuItem>
        </div>
      )}
    </div>
  );
}
