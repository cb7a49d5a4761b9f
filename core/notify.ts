/**
 * Who is told of a message, by their level in its room: the one rule the room list, the
 * page's notifications and Web Push share.
 */
import type { WireMessage } from "./protocol";
import type { NotifyLevel } from "./protocol-constants";

export { NOTIFY_LEVELS, type NotifyLevel, notifyLevel } from "./protocol-constants";

export function mentions(message: WireMessage & { mentions?: number[] }, userId: number): boolean {
  return message.mentions?.includes(userId) ?? false;
}

/** Whether this member wants to hear of this message at their level (senders never do). */
export function wantsToHear(level: NotifyLevel, message: WireMessage, userId: number): boolean {
  if (message.sender === userId || message.deleted) return false;
  return level === "everything" || (level === "mentions" && mentions(message, userId));
}

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

/** What a push carries; the service worker shows it (client/sw.ts). */
export type PushPayload = {
  room: number;
  title: string;
  sender_name: string;
  preview: string;
  message: number;
  /** Where a click goes: the message's link, or the app. */
  url: string;
};
