/// <reference lib="webworker" />
/**
 * The service worker, served at /sw.js so its scope is the whole app: it shows pushes
 * (core/notify.ts's PushPayload), focuses or opens the room on a click, closes a room's
 * notifications when a page here or a push (ReadPush) says the room was read, and keeps the app shell so the app
 * opens offline (the page then shows that it is offline; sends wait in its outbox).
 */
import type { PushPayload, ReadPush } from "../core/notify";

declare const self: ServiceWorkerGlobalScope;

const SHELL = "condor-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(["/", "/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png"])),
  );
  void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

/** The page from the network, else the kept shell; built assets (hashed names) from the cache once fetched. */
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(async () => (await caches.match("/")) ?? Response.error()));
    return;
  }
  if (url.pathname.startsWith("/assets/") || url.pathname.startsWith("/icons/")) {
    event.respondWith(
      caches.match(request).then(
        (kept) =>
          kept ??
          fetch(request).then(async (answer) => {
            if (answer.ok) await (await caches.open(SHELL)).put(request, answer.clone());
            return answer;
          }),
      ),
    );
  }
});

/** Closes the notifications of a room, which was read here or elsewhere. */
async function closeRoom(room: number) {
  for (const notification of await self.registration.getNotifications({ tag: `room-${room}` })) notification.close();
}

self.addEventListener("push", (event) => {
  const push = event.data?.json() as PushPayload | ReadPush | undefined;
  if (!push) return;
  // Read elsewhere: nothing new to show (browsers allow a few such pushes that show nothing).
  if ("type" in push) return event.waitUntil(closeRoom(push.room));
  const payload = push;
  event.waitUntil(
    self.registration.showNotification(payload.title, {
      body: payload.preview ? `${payload.sender_name}: ${payload.preview}` : payload.sender_name,
      tag: `room-${payload.room}`,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: payload,
    }),
  );
});

/**
 * A click opens the message in a tab of the app that is already open (the page goes there
 * without a load, client/lib/push.ts), then focuses it; with none open, in a new window.
 */
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data as PushPayload | undefined)?.url ?? "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const tab = tabs.find((client) => new URL(client.url).origin === self.location.origin);
      if (!tab) return void (await self.clients.openWindow(url));
      tab.postMessage({ type: "open", url });
      await tab.focus();
    })(),
  );
});

/** A page here read a room: its notifications go at once (other devices hear of it by a push). */
self.addEventListener("message", (event) => {
  const data = event.data as { type?: string; room?: number } | undefined;
  if (data?.type !== "read" || typeof data.room !== "number") return;
  event.waitUntil(closeRoom(data.room));
});
