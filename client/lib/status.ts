/**
 * A person's status as the app shows it (one emoji and a short text, set as a whole), and
 * the presets offered when setting one, as Slack's.
 */
import type { User } from "./api";
import { isAhead } from "./use-until";

export type Status = { emoji: string; text: string };

/** How long a status lasts before it clears itself. */
export const STATUS_LENGTHS = {
  never: "Don't clear",
  "30m": "30 minutes",
  "1h": "1 hour",
  "4h": "4 hours",
  today: "Today",
} as const;
export type StatusLength = keyof typeof STATUS_LENGTHS;

/** When a status set at `now` for `length` ends; null for one that stays until cleared. */
export function statusEnd(length: StatusLength, now = new Date()): string | null {
  const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000).toISOString();
  if (length === "30m") return later(0.5);
  if (length === "1h") return later(1);
  if (length === "4h") return later(4);
  if (length === "today") return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).toISOString();
  return null;
}

/** What people most often say, one click each, with how long each usually lasts. */
export const STATUS_PRESETS: (Status & { lasts: StatusLength })[] = [
  { emoji: "🗓️", text: "In a meeting", lasts: "1h" },
  { emoji: "🚌", text: "Commuting", lasts: "30m" },
  { emoji: "🤒", text: "Out sick", lasts: "today" },
  { emoji: "🌴", text: "On holiday", lasts: "never" },
];

/** Their status now, or null: none set, or it has ended since the server answered. */
export function statusOf(user: Pick<User, "status_emoji" | "status_text" | "status_until">): Status | null {
  const emoji = user.status_emoji ?? "";
  const text = user.status_text ?? "";
  if (!(emoji || text) || (user.status_until && !isAhead(user.status_until))) return null;
  return { emoji, text };
}

/** "🗓️ In a meeting": the status in one line. */
export const statusLine = ({ emoji, text }: Status) => [emoji, text].filter(Boolean).join(" ");
