/**
 * Getting the person's attention while the tab is hidden: the unread count in the title,
 * and a browser notification per incoming message once they have allowed them. Permission
 * is only ever asked from a click (browsers ignore or punish asking on load).
 */
import { useEffect, useState } from "preact/hooks";

const APP_TITLE = "Condor Chat";

/** The page title for `unread` messages waiting, `mentions` of them naming me (shown first: they matter most). */
export const titleFor = (unread: number, mentions = 0) =>
  unread > 0 ? `(${mentions > 0 ? `@${mentions} · ` : ""}${unread}) ${APP_TITLE}` : APP_TITLE;

const notificationsSupported = () => typeof Notification !== "undefined";

/** Whether the tab is hidden now: an open conversation is read only while it is not. */
export function usePageHidden(): boolean {
  const [hidden, setHidden] = useState(() => document.hidden);
  useEffect(() => {
    const update = () => setHidden(document.hidden);
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);
  return hidden;
}

export function useAttention(unread: number, mentions = 0) {
  const hidden = usePageHidden();
  const [permission, setPermission] = useState(() => (notificationsSupported() ? Notification.permission : "denied"));

  useEffect(() => {
    document.title = hidden ? titleFor(unread, mentions) : titleFor(0);
  }, [hidden, unread, mentions]);

  return {
    hidden,
    /** Where notifications stand: "default" while the browser has not asked yet. */
    permission,
    /** Whether to offer turning notifications on. */
    canAsk: permission === "default",
    /** Call from a click handler only. */
    async ask() {
      if (notificationsSupported()) setPermission(await Notification.requestPermission());
    },
    /** Shows a notification when the tab is hidden and they are allowed; clicking it opens `onOpen`. */
    notify(title: string, body: string, tag: string, onOpen: () => void) {
      if (!document.hidden || permission !== "granted") return;
      const notification = new Notification(title, { body, tag });
      notification.onclick = () => {
        window.focus();
        onOpen();
        notification.close();
      };
    },
  };
}
