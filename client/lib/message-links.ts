/**
 * Links to a message: `/rooms/<room id>/messages/<message id>`. The worker answers such a
 * path with the app, as it does every path it has no file for; the app then opens the room
 * at that message. Inside the app, openMessageLink goes to one without a page load.
 */
import { useEffect, useState } from "preact/hooks";

/** A visit to a message link; every visit is a new one, so going to the same link again jumps again. */
export type MessageLink = { room: number; message: number; visit: number };

const LINK_PATH = /^\/rooms\/(\d{1,15})\/messages\/(\d{1,15})\/?$/;
/** Told on the window when the app goes to a link: history.pushState itself tells no one. */
const WENT_TO_LINK = "condor:went-to-link";

let visits = 0;

/** The path of the link to a message. */
export const messagePath = (room: number, message: number) => `/rooms/${room}/messages/${message}`;

/** The link to a message, as "Copy link" copies it. */
export const messageLink = (room: number, message: number) => new URL(messagePath(room, message), location.origin).href;

/** The room and message a path links to, or null when it is not a message link. */
export function linkedMessage(path: string): Omit<MessageLink, "visit"> | null {
  const match = LINK_PATH.exec(path);
  if (!match) return null;
  const [room, message] = [Number(match[1]), Number(match[2])];
  return room > 0 && message > 0 ? { room, message } : null;
}

/**
 * Goes to a message from inside the app (a search result, say): a new history entry, so
 * Back returns, and no page load.
 */
export function openMessageLink(room: number, message: number) {
  history.pushState(null, "", messagePath(room, message));
  dispatchEvent(new Event(WENT_TO_LINK));
}

/** Leaves a message link for the app's own address, so that a reload does not jump back to it. */
export function leaveMessageLink() {
  if (linkedMessage(location.pathname)) history.replaceState(null, "", "/");
}

const visitOf = (path: string): MessageLink | null => {
  const link = linkedMessage(path);
  return link && { ...link, visit: ++visits };
};

/** The message link the page is at: read on load, after each openMessageLink, and on Back and Forward. */
export function useMessageLink(): MessageLink | null {
  const [link, setLink] = useState(() => visitOf(location.pathname));
  useEffect(() => {
    const read = () => setLink(visitOf(location.pathname));
    addEventListener("popstate", read);
    addEventListener(WENT_TO_LINK, read);
    return () => {
      removeEventListener("popstate", read);
      removeEventListener(WENT_TO_LINK, read);
    };
  }, []);
  return link;
}
