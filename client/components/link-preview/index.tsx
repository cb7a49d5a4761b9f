/**
 * The cards under a message for the pages it links to: site name, title as a link,
 * description, all as text, and the page's picture when the server kept one: always our own
 * signed link (never the page's site), sized from its declared size so the list does not
 * jump, and loaded only when scrolled near.
 */
import type { LinkPreview } from "../../../core/protocol";
import { safeHref } from "../message-text/address";
import styles from "./link-preview.module.css";

export function LinkPreviews({ previews }: { previews: LinkPreview[] }) {
  return (
    <ul class={styles.previews} aria-label="Link previews">
      {previews.map((preview) => {
        const url = safeHref(preview.url);
        if (!url) return null;
        return (
          <li key={preview.url} class={styles.card}>
            <span class={styles.site}>{preview.site_name ?? url.hostname}</span>
            <a class={styles.title} href={url.href} target="_blank" rel="noopener noreferrer nofollow">
              {preview.title ?? url.href}
            </a>
            {preview.description && <p class={styles.description}>{preview.description}</p>}
            {preview.image_url?.startsWith("/api/") && (
              <img
                class={styles.image}
                src={preview.image_url}
                alt=""
                width={preview.image_width}
                height={preview.image_height}
                loading="lazy"
                decoding="async"
                referrerpolicy="no-referrer"
              />
            )}
          </li>
        );
      })}
    </ul>
  );
}
