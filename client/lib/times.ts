/**
 * Times as a chat shows them, in the person's own locale and time zone.
 */

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDate = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

const DAY_MS = 24 * 60 * 60 * 1000;

/** The local calendar day of a moment, as a key that compares equal within one day. */
export const dayKey = (iso: string) => new Date(iso).toDateString();

/** "14:05": a message's time. */
export const clockTime = (iso: string) => clock.format(new Date(iso));

/** The full date and time, for a tooltip. */
export const fullTime = (iso: string) => full.format(new Date(iso));

/** A room list's time: the clock today, the weekday this week, the date before. */
export function listTime(iso: string, now = new Date()): string {
  const then = new Date(iso);
  if (then.toDateString() === now.toDateString()) return clock.format(then);
  if (now.getTime() - then.getTime() < 6 * DAY_MS) return weekday.format(then);
  return shortDate.format(then);
}

/** A day separator's label: "Today", "Yesterday" or the date. */
export function dayLabel(iso: string, now = new Date()): string {
  const then = new Date(iso);
  if (then.toDateString() === now.toDateString()) return "Today";
  if (then.toDateString() === new Date(now.getTime() - DAY_MS).toDateString()) return "Yesterday";
  return longDate.format(then);
}
