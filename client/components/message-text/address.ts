/** Which addresses the client makes links of: http(s) and mailto; javascript:, data: and the rest stay text. */
const LINKABLE = new Set(["http:", "https:", "mailto:"]);

/** The address a link may go to, or null when it must stay text. */
export function safeHref(href: string): URL | null {
  if (!URL.canParse(href)) return null;
  const url = new URL(href);
  return LINKABLE.has(url.protocol) ? url : null;
}
