/**
 * My name and picture (and my status's emoji) at the top of the sidebar, opening a menu of
 * what concerns me: my status, profile, notifications (offered while the browser has not
 * been asked, else how they stand), pausing them for a while, the admin page for
 * superusers, and signing out. A menu button as ARIA describes it: arrows move between
 * items, Escape or a click elsewhere closes it, focus goes back.
 */
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { User } from "../../lib/api";
import { pauseChoices, pausedUntilText } from "../../lib/do-not-disturb";
import { statusOf } from "../../lib/status";
import { Avatar } from "../avatar";
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
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const hasStatus = statusOf(me) !== null;
  const opener = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) opener.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const outside = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !opener.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const moveTo = (index: number) => {
      event.preventDefault();
      all[(index + all.length) % all.length]?.focus();
    };
    if (event.key === "ArrowDown") moveTo(at + 1);
    else if (event.key === "ArrowUp") moveTo(at - 1);
    else if (event.key === "Home") moveTo(0);
    else if (event.key === "End") moveTo(all.length - 1);
    else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab") close(false);
  };

  const choose = (action: () => void) => () => {
    close(true);
    action();
  };

  return (
    <div class={styles.userMenu}>
      <button
        ref={opener}
        type="button"
        class={styles.opener}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen(!open)}
      >
        <Avatar src={me.avatar_url} name={me.full_name} size={36} />
        <span class={styles.name}>{me.full_name}</span>
        <Status user={me} compact />
        <span class={styles.chevron} aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div ref={menu} id={menuId} class={styles.menu} role="menu" aria-label="Your account" onKeyDown={onKeyDown}>
          <MenuItem onClick={choose(onSetStatus)}>{hasStatus ? "Change status" : "Set a status"}</MenuItem>
          {hasStatus && <MenuItem onClick={choose(onClearStatus)}>Clear status</MenuItem>}
          <MenuItem onClick={choose(onProfile)}>Profile</MenuItem>
          <MenuItem onClick={choose(notifications === "default" ? onAskNotifications : onProfile)}>
            {NOTIFICATIONS_ITEM[notifications]}
          </MenuItem>
          <fieldset class={styles.group}>
            <legend class={styles.groupLabel}>
              {pausedUntil ? pausedUntilText(pausedUntil) : "Pause notifications"}
            </legend>
            {pausedUntil ? (
              <MenuItem onClick={choose(() => onPause(null))}>Resume notifications</MenuItem>
            ) : (
              pauseChoices().map((choice) => (
                <MenuItem key={choice.label} onClick={choose(() => onPause(choice.until))}>
                  {choice.label}
                </MenuItem>
              ))
            )}
          </fieldset>
          {me.is_superuser && <MenuItem onClick={choose(onAdmin)}>Admin</MenuItem>}
          <MenuItem onClick={choose(onSignOut)}>Sign out</MenuItem>
        </div>
      )}
    </div>
  );
}

function MenuItem({ onClick, children }: { onClick: () => void; children: string }) {
  return (
    <button type="button" role="menuitem" tabIndex={-1} class={styles.item} onClick={onClick}>
      {children}
    </button>
  );
}
