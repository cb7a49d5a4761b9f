/**
 * A message's text with its web addresses as links. The text is split into strings and
 * link elements built here; nothing is ever parsed as HTML, so markup in a message shows
 * as the characters it is.
 */

const ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence more often than it ends an address. */
const TRAILING = /[.,;:!?)\]}]+$/;

export type TextPiece = { text: string; href?: string };

/** The text in pieces: plain runs and http(s) addresses. */
export function splitLinks(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = match[0].replace(TRAILING, "");
    const at = match.index;
    if (at > from) pieces.push({ text: text.slice(from, at) });
    pieces.push({ text: address, href: address });
    from = at + address.length;
  }
  if (from < text.length) pieces.push({ text: text.slice(from) });
  return pieces;
}

export function LinkedText({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((piece, i) =>
        piece.href ? (
          <a key={i} href={piece.href} target="_blank" rel="noopener noreferrer nofollow">
            {piece.text}
          </a>
        ) : (
          piece.text
        ),
      )}
    </>
  );
}
