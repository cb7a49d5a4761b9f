/**
 * Who is told of a message, by their level in its room: the one rule the room list, the
 * page's notifications and Web Push share (the level rules live in protocol-constants.ts,
 * which the client may import).
 */
export {
  mentions,
  NOTIFY_LEVELS,
  type NotifyLevel,
  notifyLevel,
  wantsToHear,
} from "./protocol-constants";

/** Whether do-not-disturb is on at `now`. */
export function inDoNotDisturb(dndUntil: string | null, now: number): boolean {
  return dndUntil !== null && Date.parse(dndUntil) > now;
}

/** Most characters of a message a notification shows. */
export const PREVIEW_CHARS = 120;

export function previewOf(content: string): string {
  const flat = content.replace(/\s+/g, " ").trim();
  return flat.length <= PREVIEW_CHARS ? flat : `${flat.slice(0, PREVIEW_CHARS - 1)}…`;
}

/** A push saying that the user read the room elsewhere: the service worker closes its notifications. */
export type ReadPush = { type: "read"; room: number };

/** What a push of a message carries; the service worker shows it (client/sw.ts). */
export type PushPayload = {
  room: number;
  title: string;
  sender_name: string;
  preview: string;
  message: number;
  /** Where a click goes: the message's link, or the app. */
  url: string;
};
