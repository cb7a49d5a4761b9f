/**
 * A message's images one at a time, over the page: ← and → go between them, Esc closes.
 * Loaded on demand (MessageFiles imports it when first opened).
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { WireAttachment } from "../../../core/protocol";
import styles from "./attachments.module.css";

type LightboxProps = { images: WireAttachment[]; start: number; onClose: () => void };

export function Lightbox({ images, start, onClose }: LightboxProps) {
  const [index, setIndex] = useState(start);
  const close = useRef<HTMLButtonElement>(null);
  const step = (by: number) => setIndex((at) => (at + by + images.length) % images.length);
  // A layout effect: Esc pressed the moment the lightbox shows must already close it.
  useLayoutEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
      else if (event.key === "ArrowLeft") step(-1);
      else if (event.key === "ArrowRight") step(1);
      else return;
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [images.length]);
  const image = images[index];
  return (
    <div class={styles.lightbox} role="dialog" aria-modal="true" aria-label={image.name}>
      <img src={image.url} alt={image.name} width={image.width} height={image.height} />
      <div class={styles.lightboxBar}>
        {images.length > 1 && (
          <button type="button" onClick={() => step(-1)} aria-label="Previous image">
            ←
          </button>
        )}
        <span>
          {image.name} ({index + 1} of {images.length})
        </span>
        {images.length > 1 && (
          <button type="button" onClick={() => step(1)} aria-label="Next image">
            →
          </button>
        )}
        <a href={image.url} download={image.name}>
          Download
        </a>
        <button type="button" ref={close} onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
