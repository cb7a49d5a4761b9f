/** The profile's notification part: turn push on for this device (after a click) and send a test. */
import { useEffect, useState } from "preact/hooks";
import { type PushState, pushState, sendTestPush, turnOnPush } from "../../lib/push";

const SAYS: Record<PushState, string> = {
  unsupported: "This browser cannot show notifications while the app is closed.",
  denied: "Notifications are blocked for this site. Allow them in the browser's site settings, then come back here.",
  off: "Notifications are off on this device.",
  on: "Notifications are on for this device.",
  unavailable: "This server has no push configured.",
};

export function PushSettings() {
  const [state, setState] = useState<PushState | null>(null);
  const [note, setNote] = useState("");
  useEffect(() => {
    void pushState().then(setState);
  }, []);
  if (state === null) return null;
  const act = (work: () => Promise<void>) => () => work().catch((err: Error) => setNote(err.message));
  return (
    <section aria-label="Notifications">
      <h3>Notifications</h3>
      <p>{SAYS[state]}</p>
      {state === "off" && (
        <button type="button" onClick={act(async () => setState(await turnOnPush()))}>
          Turn on notifications
        </button>
      )}
      {state === "on" && (
        <button
          type="button"
          onClick={act(async () =>
            setNote((await sendTestPush()) > 0 ? "Sent: it should show in a moment." : "No device took it."),
          )}
        >
          Send me a test notification
        </button>
      )}
      {note && <p role="status">{note}</p>}
    </section>
  );
}
