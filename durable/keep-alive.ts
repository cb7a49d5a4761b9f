/**
 * Finding sockets whose other end is gone. Clients ping every 25 s and the runtime answers
 * without waking the object, noting the time; a socket silent for longer than
 * SILENT_SOCKET_MS is a crashed tab or a dropped network, and is closed.
 */

/** A socket that has not pinged for this long is taken for dead. */
export const SILENT_SOCKET_MS = 90_000;

/** Closes the silent sockets and returns them. `connectedAt` covers sockets that never pinged. */
export function closeSilentSockets(
  ctx: DurableObjectState,
  connectedAt: (ws: WebSocket) => number,
  now = Date.now(),
): WebSocket[] {
  const silent = ctx.getWebSockets().filter((ws) => {
    const lastHeard = ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? connectedAt(ws);
    return now - lastHeard > SILENT_SOCKET_MS;
  });
  for (const ws of silent) ws.close(4008, "no ping");
  return silent;
}
