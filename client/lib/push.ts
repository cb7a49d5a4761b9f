/**
 * The page's side of Web Push and the installed app: registers the service worker
 * (client/sw.ts), subscribes this browser when the user asks (never before a click), keeps
 * the app icon's badge at the unread-room count, and tells the worker when a room is read
 * so its notifications close.
 */
import { answer, api } from "./api";
import { linkedMessage, openMessageLink } from "./message-links";

export type PushState = "unsupported" | "denied" | "off" | "on" | "unavailable";

const supported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

/** Registers the service worker, and goes where it says when a notification of it is clicked. */
export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => console.warn("no service worker", err));
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data as { type?: string; url?: string } | undefined;
    if (data?.type !== "open" || typeof data.url !== "string") return;
    const link = linkedMessage(new URL(data.url, location.origin).pathname);
    if (link) openMessageLink(link.room, link.message);
  });
}

/** Whether this browser gets pushes now, or why it cannot. */
export async function pushState(): Promise<PushState> {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  return subscription && Notification.permission === "granted" ? "on" : "off";
}

/** Asks for permission (call from a click) and subscribes this browser. */
export async function turnOnPush(): Promise<PushState> {
  if (!supported()) return "unsupported";
  if ((await Notification.requestPermission()) !== "granted")
    return Notification.permission === "denied" ? "denied" : "off";
  const { key } = await answer(api.push.key.$get());
  if (!key) return "unavailable";
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  const json = subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  await answer(api.push.subscriptions.$post({ json }));
  return "on";
}

/** Stops pushes to this browser; sign-out calls it before the session ends. */
export async function turnOffPush(): Promise<void> {
  const subscription = await (await navigator.serviceWorker?.getRegistration("/"))?.pushManager.getSubscription();
  if (!subscription) return;
  await api.push.subscriptions.$delete({ json: { endpoint: subscription.endpoint } }).catch(() => undefined);
  await subscription.unsubscribe();
}

export async function sendTestPush(): Promise<number> {
  return (await answer(api.push.test.$post())).sent;
}

/** The app icon's badge: how many rooms have unread messages (where the Badging API is). */
export function showUnreadRooms(count: number) {
  if (!("setAppBadge" in navigator)) return;
  void (count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge()).catch(() => undefined);
}

/** A room was read here: the service worker closes its notifications. */
export function roomRead(roomId: number) {
  navigator.serviceWorker?.controller?.postMessage({ type: "read", room: roomId });
}
