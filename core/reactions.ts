/**
 * What counts as a reaction: one emoji, as a person sees it (one extended grapheme cluster),
 * kept in one spelling so that "❤" and "❤️" are the same chip.
 */

/** Longest reaction accepted, in UTF-16 units: long ZWJ families fit, and checking stays bounded. */
export const MAX_REACTION_LENGTH = 32;

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
/** A pictograph (a lone flag letter is not one), with an optional skin tone or presentation selector. */
const PICTOGRAPH = String.raw`(?!\p{Regional_Indicator})(?:\p{Extended_Pictographic}|\p{Emoji_Presentation})(?:\p{Emoji_Modifier}|\uFE0F)?`;
const SINGLE_EMOJI = new RegExp(
  [
    String.raw`^\p{Regional_Indicator}{2}$`,
    String.raw`^[0-9#*]\uFE0F?\u20E3$`,
    // A tag sequence (England's flag) or a ZWJ sequence of pictographs.
    String.raw`^${PICTOGRAPH}(?:[\u{E0020}-\u{E007E}]+\u{E007F}|(?:\u200D${PICTOGRAPH})*)$`,
  ].join("|"),
  "u",
);
const PRESENTED = /^\p{Emoji_Presentation}$/u;

/** The reaction's one spelling, or undefined when the text is not exactly one emoji. */
export function reactionEmoji(text: string): string | undefined {
  if (text.length === 0 || text.length > MAX_REACTION_LENGTH) return undefined;
  const [first, second] = graphemes.segment(text);
  if (second !== undefined || first.segment !== text || !SINGLE_EMOJI.test(text)) return undefined;
  // A lone pictograph is shown as an emoji only with U+FE0F when its default is text.
  const bare = text.replace(/\uFE0F$/u, "");
  if ([...bare].length !== 1) return text;
  return PRESENTED.test(bare) ? bare : `${bare}\uFE0F`;
}
