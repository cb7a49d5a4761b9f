/**
 * Sends not yet acknowledged, kept in localStorage per room so that a send typed offline,
 * or before the tab closed, goes out when the room next connects, with its first client
 * id: the room stores a client id only once, so a send that did arrive is not doubled.
 */
type Kept = {
  client_id: string;
  content: string;
  attachments?: string[];
  reply?: { reply_to?: number; thread?: number };
};

const keyOf = (roomId: number) => `condor.outbox.${roomId}`;

export function keptSends(roomId: number): Kept[] {
  try {
    const kept = JSON.parse(localStorage.getItem(keyOf(roomId)) ?? "[]") as Kept[];
    return Array.isArray(kept)
      ? kept.filter((k) => typeof k.client_id === "string" && typeof k.content === "string")
      : [];
  } catch {
    return [];
  }
}

function write(roomId: number, kept: Kept[]) {
  try {
    if (kept.length === 0) localStorage.removeItem(keyOf(roomId));
    else localStorage.setItem(keyOf(roomId), JSON.stringify(kept));
  } catch {
    // Storage full or refused: the send still goes out from memory while the tab is open.
  }
}

export function keepSend(roomId: number, send: Kept) {
  write(roomId, [...keptSends(roomId).filter((k) => k.client_id !== send.client_id), send]);
}

export function dropSend(roomId: number, clientId: string) {
  write(
    roomId,
    keptSends(roomId).filter((k) => k.client_id !== clientId),
  );
}

/** Whether the browser says it is offline: sends then wait rather than fail. */
export const offline = () => typeof navigator !== "undefined" && navigator.onLine === false;
