/**
 * Slack's emoji names (`thumbsup`, `+1::skin-tone-3`) as the emoji they stand for, from
 * iamcal's emoji-data, the table Slack's names come from. A workspace's own emoji (an image
 * under a name of its choosing) has no character: undefined.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { reactionEmoji } from "../../core/reactions.ts";

type EmojiData = { unified: string; short_names: string[]; skin_variations?: Record<string, { unified: string }> };

/** Slack's skin tones 2 to 6 are the Fitzpatrick modifiers. */
const SKIN_TONES: Record<string, string> = { "2": "1F3FB", "3": "1F3FC", "4": "1F3FD", "5": "1F3FE", "6": "1F3FF" };

let table: Map<string, EmojiData> | undefined;

function emojiTable(): Map<string, EmojiData> {
  if (!table) {
    const file = createRequire(import.meta.url).resolve("emoji-datasource/emoji.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as EmojiData[];
    table = new Map(data.flatMap((emoji) => emoji.short_names.map((name) => [name, emoji] as const)));
  }
  return table;
}

const character = (unified: string) =>
  String.fromCodePoint(...unified.split("-").map((hex) => Number.parseInt(hex, 16)));

/** The emoji a Slack name stands for, in the one spelling reactions here take. */
export function emojiOf(name: string): string | undefined {
  const [base, tone] = name.split("::skin-tone-");
  const emoji = emojiTable().get(base);
  if (!emoji) return undefined;
  const toned = tone === undefined ? undefined : emoji.skin_variations?.[SKIN_TONES[tone] ?? ""]?.unified;
  return reactionEmoji(character(toned ?? emoji.unified));
}
