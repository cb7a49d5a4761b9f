/**
 * A menu button as ARIA describes it, for my menu and a room's: the button opens a popover
 * of items, focus goes to the first (or the checked one), the arrows, Home and End move
 * between them, Escape or a click elsewhere closes it and focus goes back to the button.
 */
import type { ComponentChildren } from "preact";
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import styles from "./menu.module.css";

/** `align`: the popover's edge that lines up with the button's, "end" for a button at the right. */
export function useMenu(align: "start" | "end" = "start") {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const opener = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>("[role^=menuitem]") ?? [])];
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) opener.current?.focus();
  };

  // Before paint, not after: a key pressed as soon as the items show must find focus in them.
  useLayoutEffect(() => {
    if (!open) return;
    (menu.current?.querySelector<HTMLElement>("[aria-checked=true]") ?? items()[0])?.focus();
    const outside = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !opener.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const moveTo = (index: number) => {
      event.preventDefault();
      all[(index + all.length) % all.length]?.focus();
    };
    if (event.key === "ArrowDown") moveTo(at + 1);
    else if (event.key === "ArrowUp") moveTo(at - 1);
    else if (event.key === "Home") moveTo(0);
    else if (event.key === "End") moveTo(all.length - 1);
    else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab") close(false);
  };

  /** An item's click: the menu closes, focus goes back to the button, then the action runs. */
  const choose = (action: () => void) => () => {
    close(true);
    action();
  };

  /** What the opening button spreads onto itself. */
  const openerProps = {
    ref: opener,
    type: "button" as const,
    "aria-haspopup": "menu" as const,
    "aria-expanded": open,
    "aria-controls": open ? menuId : undefined,
    onClick: () => setOpen(!open),
  };
  /** What the popover (role "menu") spreads onto itself. */
  const menuProps = {
    ref: menu,
    id: menuId,
    class: `${styles.menu} ${align === "end" ? styles.end : ""}`,
    onKeyDown,
  };
  return { open, openerProps, menuProps, choose };
}

/** One item; with `checked` it is one of a group's choices (a radio item) and shows a tick when chosen. */
export function MenuItem({
  onClick,
  checked,
  children,
}: {
  onClick: () => void;
  checked?: boolean;
  children: ComponentChildren;
}) {
  if (checked === undefined)
    return (
      <button type="button" role="menuitem" tabIndex={-1} class={styles.item} onClick={onClick}>
        {children}
      </button>
    );
  return (
    <button
      type="button"
      role="menuitemradio"
      aria-checked={checked}
      tabIndex={-1}
      class={styles.item}
      onClick={onClick}
    >
      <svg class={styles.tick} viewBox="0 0 24 24" aria-hidden="true">
        {checked && <path d="M5 12.5 10 17.5 19 7" />}
      </svg>
      {children}
    </button>
  );
}
/** A part of the menu headed by a line saying what it is about. */
export function MenuGroup({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <fieldset class={styles.group}>
      <legend class={styles.groupLabel}>{label}</legend>
      {children}
    </fieldset>
  );
}
