/**
 * Slack's message text ("mrkdwn") as Markdown here: people and channels by name, links as
 * Markdown links, Slack's *bold* and ~strike~ in Markdown's spelling, `:name:` emoji as the
 * emoji, and the three entities Slack escapes (&amp; &lt; &gt;) decoded. Code keeps its
 * text, but for names: Slack writes a mention as <@U123> even there.
 */
import { emojiOf } from "./emoji.ts";

export type Names = {
  /** A Slack user's username here, by their Slack id. */
  user: (slackId: string) => string | undefined;
  /** A channel's name, by its Slack id. */
  channel: (slackId: string) => string | undefined;
};

const decode = (text: string) => text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/** One `<...>` of Slack's: a mention, a channel, a special word or a link. */
function reference(inside: string, names: Names, inCode: boolean): string {
  const bar = inside.indexOf("|");
  const target = bar === -1 ? inside : inside.slice(0, bar);
  const label = bar === -1 ? undefined : decode(inside.slice(bar + 1));
  if (target.startsWith("@")) {
    const username = names.user(target.slice(1));
    return `@${username ?? label?.replace(/^@/, "") ?? target.slice(1)}`;
  }
  if (target.startsWith("#")) return `#${names.channel(target.slice(1)) ?? label ?? target.slice(1)}`;
  if (target.startsWith("!")) {
    const word = target.slice(1);
    if (word === "here" || word === "channel" || word === "everyone") return `@${word}`;
    // <!subteam^S1|@team>, <!date^1392734382^{date}|Feb 18th>: Slack's own label says it.
    return label ?? `@${word.split("^")[0]}`;
  }
  const url = decode(target);
  if (url.startsWith("mailto:")) return label ?? url.slice("mailto:".length);
  if (label === undefined || label === url || inCode) return url;
  return `[${label.replaceAll("]", "\\]")}](${url.replaceAll(")", "%29")})`;
}

const REFERENCE = /<([^<>\n]+)>/g;

/** Text outside code: Slack's emphasis in Markdown's spelling, and emoji by name. */
function prose(text: string): string {
  return text
    .replace(/(^|[\s(])\*(\S(?:[^*\n]*\S)?)\*(?=$|[\s).,!?:;])/gm, "$1**$2**")
    .replace(/(^|[\s(])~(\S(?:[^~\n]*\S)?)~(?=$|[\s).,!?:;])/gm, "$1~~$2~~")
    .replace(/:([a-z0-9_+-]+(?:::skin-tone-[2-6])?):/g, (whole, name: string) => emojiOf(name) ?? whole);
}

/** The text of a Slack message as a message here. */
export function translateText(text: string, names: Names): string {
  // Code blocks and spans are kept apart so their text stays as written.
  const parts = text.split(/(```[\s\S]*?```|`[^`\n]+`)/);
  return parts
    .map((part, index) => {
      const inCode = index % 2 === 1;
      const plain = (piece: string) => (inCode ? decode(piece) : decode(prose(piece)));
      // What comes of a reference is left as it is: the prose's rules apply between them.
      let out = "";
      let from = 0;
      for (const match of part.matchAll(REFERENCE)) {
        out += plain(part.slice(from, match.index)) + reference(match[1], names, inCode);
        from = match.index + match[0].length;
      }
      return out + plain(part.slice(from));
    })
    .join("");
}
