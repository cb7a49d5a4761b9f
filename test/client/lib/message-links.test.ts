import { act, renderHook } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import {
  leaveMessageLink,
  linkedMessage,
  messageLink,
  messagePath,
  openMessageLink,
  useMessageLink,
} from "../../../client/lib/message-links";

afterEach(() => history.replaceState(null, "", "/"));

describe("links to a message", () => {
  it("are the app's address, the room and the message", () => {
    expect(messagePath(12, 3456)).toBe("/rooms/12/messages/3456");
    expect(messageLink(12, 3456)).toBe("http://chat.test/rooms/12/messages/3456");
  });

  it("are read from a path with or without its trailing slash, and nothing else is one", () => {
    expect(linkedMessage("/rooms/12/messages/3456")).toEqual({ room: 12, message: 3456 });
    expect(linkedMessage("/rooms/12/messages/3456/")).toEqual({ room: 12, message: 3456 });
    for (const path of ["/", "/rooms/12", "/rooms/0/messages/3", "/rooms/1/messages/x", "/rooms/1/messages/2/3"]) {
      expect(linkedMessage(path)).toBeNull();
    }
    expect(linkedMessage(`/rooms/1/messages/${"9".repeat(16)}`)).toBeNull();
  });

  it("are followed from inside the app as a new history entry, each visit a new jump", () => {
    const { result } = renderHook(() => useMessageLink());
    expect(result.current).toBeNull();
    const before = history.length;
    act(() => openMessageLink(5, 20));
    expect(location.pathname).toBe("/rooms/5/messages/20");
    expect(history.length).toBe(before + 1);
    const first = result.current;
    expect(first).toMatchObject({ room: 5, message: 20 });
    act(() => openMessageLink(5, 20));
    expect(result.current).toMatchObject({ room: 5, message: 20 });
    expect(result.current?.visit).not.toBe(first?.visit);
  });

  it("are read on load, and left for the app's own address without a new history entry", () => {
    history.replaceState(null, "", "/rooms/7/messages/8");
    const { result } = renderHook(() => useMessageLink());
    expect(result.current).toMatchObject({ room: 7, message: 8 });
    const before = history.length;
    leaveMessageLink();
    expect(location.pathname).toBe("/");
    expect(history.length).toBe(before);
  });
});
