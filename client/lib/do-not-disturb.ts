/**
 * Pausing notifications, as Slack's "Pause notifications": for a while or until the next
 * morning. The server keeps the time (dnd_until) and sends no push until then; the page
 * shows none of its own either.
 */
import { clockTime, fullTime } from "./times";

/** The morning a pause "until tomorrow" lasts to, in local time. */
const MORNING_HOUR = 9;

export type PauseChoice = { label: string; until: string };

/** The lengths offered, from `now`. */
export function pauseChoices(now = new Date()): PauseChoice[] {
  const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  const morning = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, MORNING_HOUR).toISOString();
  return [
    { label: "For 30 minutes", until: inMinutes(30) },
    { label: "For 1 hour", until: inMinutes(60) },
    { label: `Until tomorrow, ${clockTime(morning)}`, until: morning },
  ];
}

/** "Notifications paused until 14:30" (today), "… until tomorrow, 09:00", or the date further on. */
export function pausedUntilText(until: string, now = new Date()): string {
  const end = new Date(until);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  let when = fullTime(until);
  if (end.toDateString() === now.toDateString()) when = clockTime(until);
  else if (end.toDateString() === tomorrow.toDateString()) when = `tomorrow, ${clockTime(until)}`;
  return `Notifications paused until ${when}`;
}
