/** A bell, struck through for a muted room: drawn, as the sidebar's icons, so no emoji font is needed. */
export function Bell({ struck, class: className }: { struck: boolean; class: string }) {
  return (
    <svg class={className} viewBox="0 0 24 24" aria-hidden="true">
      <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15ZM10 20.5a2 2 0 0 0 4 0" />
      {struck && <path d="M4 4l16 16" />}
    </svg>
  );
}
