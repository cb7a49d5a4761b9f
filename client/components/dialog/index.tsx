/**
 * A modal dialog: labelled by its title, focus moved into it when it opens, kept inside it
 * while it is open (Tab wraps), and given back to whatever had it when it closes. Escape
 * and the backdrop close it; Escape also when focus has fallen to the page (a pressed button
 * that became disabled loses it), and then only the innermost dialog.
 */
import type { ComponentChildren } from "preact";
import { useId, useLayoutEffect, useRef } from "preact/hooks";
import styles from "./dialog.module.css";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The open dialogs' close handlers, innermost last. */
const openDialogs: (() => void)[] = [];

/** Escape pressed outside every dialog (focus on the page itself) closes the innermost one. */
function escapeFromPage(event: KeyboardEvent) {
  if (event.key !== "Escape" || openDialogs.length === 0) return;
  openDialogs.at(-1)!();
}

type DialogProps = {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
};

/** A modal dialog titled `title`; its children are its body. */
export function Dialog({ title, onClose, children }: DialogProps) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useLayoutEffect(() => {
    const close = () => closeRef.current();
    openDialogs.push(close);
    if (openDialogs.length === 1) document.addEventListener("keydown", escapeFromPage);
    return () => {
      openDialogs.splice(openDialogs.indexOf(close), 1);
      if (openDialogs.length === 0) document.removeEventListener("keydown", escapeFromPage);
    };
  }, []);

  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    // The body's first control, not the close button: that is where the person starts.
    const first = body.current?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? panel.current)?.focus();
    return () => opener?.focus?.();
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      closeRef.current();
      return;
    }
    if (event.key !== "Tab" || !panel.current) return;
    const focusable = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click on the backdrop is a pointer shortcut; Escape closes the dialog from the keyboard
    <div class={styles.backdrop} onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div
        ref={panel}
        class={styles.panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header class={styles.header}>
          <h2 id={titleId}>{title}</h2>
          <button type="button" class={styles.close} onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        <div ref={body} class={styles.body}>
          {children}
        </div>
      </div>
    </div>
  );
}
