/** The profile's notifications part: permission asked only from a click, and a clear word when it was refused. */
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PushSettings } from "../../../client/components/push-settings";

/** A browser with push, no subscription yet, whose permission is `permission` and becomes `answer` when asked. */
function browserWithPush(permission: NotificationPermission, answer: NotificationPermission) {
  const requestPermission = vi.fn(async () => {
    state.permission = answer;
    return answer;
  });
  const state = { permission, requestPermission };
  vi.stubGlobal("Notification", state);
  vi.stubGlobal("PushManager", class {});
  const registration = { pushManager: { getSubscription: async () => null } };
  Object.defineProperty(navigator, "serviceWorker", {
    configurable: true,
    value: { getRegistration: async () => registration, ready: Promise.resolve(registration) },
  });
  return requestPermission;
}

afterEach(() => {
  Reflect.deleteProperty(navigator, "serviceWorker");
});

describe("PushSettings", () => {
  it("asks for permission only on a click, and says plainly when it was refused", async () => {
    const requestPermission = browserWithPush("default", "denied");
    render(<PushSettings />);
    const button = await screen.findByRole("button", { name: "Turn on notifications" });
    expect(requestPermission).not.toHaveBeenCalled();
    fireEvent.click(button);
    await screen.findByText(/Notifications are blocked for this site/);
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("button", { name: "Turn on notifications" })).toBeNull();
  });

  it("opens on the blocked state when the site was refused before", async () => {
    const requestPermission = browserWithPush("denied", "denied");
    render(<PushSettings />);
    await screen.findByText(/Allow them in the browser's site settings/);
    await waitFor(() => expect(screen.queryByRole("button")).toBeNull());
    expect(requestPermission).not.toHaveBeenCalled();
  });
});
