/**
 * The service worker's notifications in real Chromium. Offline, Chromium reaches no real
 * push service, so the push comes through the DevTools protocol
 * (ServiceWorker.deliverPushMessage) to the registered worker, whose real `push` handler
 * runs on the payload the inbox sends (core/notify.ts).
 *
 * The tests' Chromium is a headless shell with no notification centre: however granted,
 * Notification.permission stays "denied" there and showNotification rejects. So what the
 * worker asks to show is read by a spy the test puts in the worker's scope, around the real
 * showNotification; and a click, which no one can make there, is a `notificationclick`
 * event dispatched in the worker's scope with the notification the worker asked for, whose
 * handler then tells the open tab to go to the message, as after a real click (the focus
 * that follows needs a real click's permission, so it is the one step not exercised).
 * Closing a room's notifications is read as the worker's look-up of them by the room's tag.
 */
import type { CDPSession, Page, Worker } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { PushPayload } from "../../core/notify";
import { accessFor, app, messages, rest, signIn, startChatApp } from "./support";

startChatApp();

type Shown = { title: string; body?: string; tag?: string; data?: PushPayload };
type SpiedScope = {
  registration: {
    showNotification: (title: string, options: object) => Promise<void>;
    getNotifications: (filter?: { tag?: string }) => Promise<{ close(): void }[]>;
  };
  __shown?: Shown[];
  __looked?: (string | undefined)[];
  __heard?: unknown[];
  __closed?: number;
  addEventListener: (type: string, listener: (event: { data: unknown }) => void) => void;
  dispatchEvent: (event: Event) => boolean;
};
declare const ExtendableEvent: { new (type: string): Event };
type ServiceWorkerScope = { clients: { matchAll(): Promise<unknown[]> } };

/** The page's worker once active, with a spy on what it shows, and the DevTools session and registration to push to it. */
async function pushable(page: Page) {
  const context = page.context();
  await context.grantPermissions(["notifications"], { origin: app.server.url });
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  await worker.evaluate(() => {
    const scope = self as unknown as SpiedScope;
    const registration = scope.registration;
    const real = registration.showNotification.bind(registration);
    scope.__shown = [];
    registration.showNotification = (title, options) => {
      scope.__shown!.push({ title, ...options });
      return real(title, options).catch(() => undefined);
    };
    const realGet = registration.getNotifications.bind(registration);
    scope.__looked = [];
    registration.getNotifications = (filter) => {
      scope.__looked!.push(filter?.tag);
      return realGet(filter);
    };
    scope.__heard = [];
    scope.addEventListener("message", (event) => scope.__heard!.push(event.data));
  });
  const cdp = await context.newCDPSession(page);
  const registered = new Promise<string>((resolve) =>
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${app.server.url}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    }),
  );
  await cdp.send("ServiceWorker.enable");
  return { cdp, registrationId: await registered, worker };
}

const deliver = (cdp: CDPSession, registrationId: string, payload: PushPayload) =>
  cdp.send("ServiceWorker.deliverPushMessage", {
    origin: app.server.url,
    registrationId,
    data: JSON.stringify(payload),
  });

const shown = (worker: Worker) => worker.evaluate(() => (self as unknown as SpiedScope).__shown ?? []);

/** A DM from Eli to Fay with one message, made through REST, and the push the inbox would send Fay for it. */
async function dmFromEli(text: string): Promise<PushPayload> {
  const [eli, fay] = [await accessFor("eli"), await accessFor("fay")];
  const me = await rest("GET", "/profiles/me/", fay);
  const room = await rest("POST", "/send_message_to_user/", eli, { user_id: me.id, message: text });
  const message = room.messages.at(-1);
  return {
    room: room.id,
    title: "Eli",
    sender_name: "Eli",
    preview: text,
    message: message.id,
    url: `/rooms/${room.id}/messages/${message.id}`,
  };
}

describe("notifications from pushes", () => {
  it("a push shows a notification of its room, and a click on it opens the message in the open tab", async () => {
    const fay = await signIn("fay");
    const payload = await dmFromEli("wake up, Fay");
    const { cdp, registrationId, worker } = await pushable(fay);
    await deliver(cdp, registrationId, payload);
    await expect
      .poll(() => shown(worker))
      .toEqual([
        expect.objectContaining({
          title: "Eli",
          body: "Eli: wake up, Fay",
          tag: `room-${payload.room}`,
          data: payload,
        }),
      ]);
    expect(await fay.getByRole("heading", { name: "Eli", level: 2 }).count()).toBe(0);

    await worker.evaluate(() => {
      const scope = self as unknown as SpiedScope;
      const event = new ExtendableEvent("notificationclick");
      const notification = {
        data: scope.__shown![0].data,
        close() {
          scope.__closed = (scope.__closed ?? 0) + 1;
        },
      };
      Object.defineProperty(event, "notification", { value: notification });
      scope.dispatchEvent(event);
    });
    await fay.getByRole("heading", { name: "Eli", level: 2 }).waitFor();
    await messages(fay).getByText("wake up, Fay").waitFor();
    expect(new URL(fay.url()).pathname).toBe(payload.url);
    expect(await worker.evaluate(() => (self as unknown as SpiedScope).__closed)).toBe(1);
  });

  it("with the app's every tab closed, a DM's push still shows its notification", async () => {
    const fay = await signIn("fay");
    const { registrationId, worker } = await pushable(fay);
    // A blank page of no origin keeps a DevTools session once the app's last tab is gone.
    const blank = await fay.context().newPage();
    const cdp = await fay.context().newCDPSession(blank);
    await cdp.send("ServiceWorker.enable");
    await fay.close();
    await expect
      .poll(() =>
        worker.evaluate(async () => (await (self as unknown as ServiceWorkerScope).clients.matchAll()).length),
      )
      .toBe(0);
    const payload = await dmFromEli("are you still there?");
    await deliver(cdp, registrationId, payload);
    await expect
      .poll(() => shown(worker))
      .toEqual([expect.objectContaining({ title: "Eli", body: "Eli: are you still there?", data: payload })]);
    await blank.close();
  });

  it("a push saying the room was read elsewhere shows nothing and closes the room's notifications", async () => {
    const fay = await signIn("fay");
    const payload = await dmFromEli("read on the phone");
    const { cdp, registrationId, worker } = await pushable(fay);
    await deliver(cdp, registrationId, payload);
    await expect.poll(async () => (await shown(worker)).length).toBe(1);
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: app.server.url,
      registrationId,
      data: JSON.stringify({ type: "read", room: payload.room }),
    });
    await expect
      .poll(() => worker.evaluate(() => (self as unknown as SpiedScope).__looked))
      .toEqual([`room-${payload.room}`]);
    expect(await shown(worker)).toHaveLength(1);
  });

  it("a tab reading a room tells the worker, which closes that room's notifications", async () => {
    const fay = await signIn("fay");
    const payload = await dmFromEli("read me somewhere");
    const { worker } = await pushable(fay);
    // Only a tab the worker controls can tell it: the page is controlled from its next load.
    await fay.reload();
    await fay.getByRole("heading", { name: "Conversations" }).waitFor();
    await fay.getByRole("button", { name: /Eli/ }).first().click();
    await fay.getByRole("heading", { name: "Eli", level: 2 }).waitFor();
    await expect
      .poll(() => worker.evaluate(() => (self as unknown as SpiedScope).__heard))
      .toContainEqual({ type: "read", room: payload.room });
  });
});
