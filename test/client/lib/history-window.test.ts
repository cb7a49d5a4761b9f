import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type HistoryWindow,
  hasNewer,
  latestWindow,
  linkedWindow,
  toLatest,
  withChanged,
  withLive,
  withNewer,
  withOlder,
} from "../../../client/lib/history-window";
import type { WireMessage } from "../../../core/protocol";

const message = (id: number, content = `m${id}`): WireMessage => ({
  id,
  room: 1,
  sender: 2,
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
  content,
  edited_at: null,
  deleted: false,
});
const run = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
const page = (messages: WireMessage[], has_more: boolean) => ({ messages, has_more });
const ids = (window: HistoryWindow) => window.messages.map((m) => m.id);

describe("the stretch of history a conversation shows", () => {
  it("opened at the latest, takes live messages at its end, each once", () => {
    let window = latestWindow(page(run(11, 20), true));
    window = withLive(window, [message(21), message(20)]);
    expect(ids(window)).toEqual(run(11, 21).map((m) => m.id));
    expect(window.hasOlder).toBe(true);
    expect(hasNewer(window)).toBe(false);
  });

  it("opened at an old message, keeps live messages aside until newer pages reach them, then is one unbroken run", () => {
    let window = linkedWindow(page(run(10, 14), true), page(run(40, 50), true));
    expect(ids(window)).toEqual([10, 11, 12, 13, 14]);
    expect(hasNewer(window)).toBe(true);

    window = withLive(window, [message(51)]);
    expect(ids(window)).toEqual([10, 11, 12, 13, 14]);
    window = withNewer(window, page(run(15, 30), true));
    expect(ids(window).at(-1)).toBe(30);
    expect(hasNewer(window)).toBe(true);

    window = withNewer(window, page(run(31, 45), true));
    expect(hasNewer(window)).toBe(false);
    expect(ids(window)).toEqual(run(10, 51).map((m) => m.id));
    window = withLive(window, [message(52)]);
    expect(ids(window).at(-1)).toBe(52);
  });

  it("is one run at once when the linked message is among the latest, with the older side's word on older ones", () => {
    const near = linkedWindow(page(run(41, 50), true), page(run(11, 50), true));
    expect(hasNewer(near)).toBe(false);
    expect(ids(near)).toEqual(run(11, 50).map((m) => m.id));
    expect(near.hasOlder).toBe(true);

    const whole = linkedWindow(page(run(1, 8), false), page(run(1, 8), false));
    expect(whole.hasOlder).toBe(false);
    expect(hasNewer(whole)).toBe(false);
  });

  it("takes older pages at its top", () => {
    const window = withOlder(linkedWindow(page(run(10, 14), true), page(run(40, 50), true)), page(run(5, 9), false));
    expect(ids(window)).toEqual(run(5, 14).map((m) => m.id));
    expect(window.hasOlder).toBe(false);
  });

  it("takes an edit or a delete in place of a shown or waiting copy, and never adds one it has not loaded", () => {
    let window = linkedWindow(page(run(10, 14), true), page(run(40, 50), true));
    window = withChanged(window, [message(12, "edited"), { ...message(45, ""), deleted: true }, message(30, "far")]);
    expect(window.messages.find((m) => m.id === 12)?.content).toBe("edited");
    expect(window.tail?.find((m) => m.id === 45)?.deleted).toBe(true);
    expect(ids(window)).toEqual([10, 11, 12, 13, 14]);
    expect(window.tail?.some((m) => m.id === 30)).toBe(false);
  });

  it("jumps to the latest by leaving the older stretch for the live end", () => {
    const window = toLatest(withLive(linkedWindow(page(run(10, 14), true), page(run(40, 50), true)), [message(51)]));
    expect(ids(window)).toEqual(run(40, 51).map((m) => m.id));
    expect(window.hasOlder).toBe(true);
    expect(hasNewer(window)).toBe(false);
  });

  it("ends as every message from its first to the latest, each once, whatever the order of live messages and newer pages", () => {
    const steps = fc.array(fc.constantFrom("live" as const, "newer" as const), { minLength: 1, maxLength: 60 });
    const gaps = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 30, maxLength: 80 });
    fc.assert(
      fc.property(gaps, fc.nat(), steps, fc.integer({ min: 1, max: 12 }), (gapList, pick, order, size) => {
        // A room's ids are ascending but not consecutive: ids come in blocks shared by all rooms.
        const room: WireMessage[] = [];
        for (const gap of gapList) room.push(message((room.at(-1)?.id ?? 0) + gap));
        const newerThan = (id: number, limit: number) => {
          const rest = room.filter((m) => m.id > id);
          return page(rest.slice(0, limit), rest.length > limit);
        };
        const at = pick % room.length;
        const around = page(room.slice(Math.max(0, at - size), at + size + 1), at - size > 0);
        const latest = page(room.slice(-size), room.length > size);
        let window = linkedWindow(around, latest);
        let delivered = room.at(-1)!.id;
        const arrive = () => {
          room.push(message(room.at(-1)!.id + 1));
          const fresh = room.filter((m) => m.id > delivered);
          delivered = room.at(-1)!.id;
          window = withLive(window, fresh);
        };
        for (const step of order) {
          if (step === "live") arrive();
          else if (hasNewer(window)) window = withNewer(window, newerThan(window.messages.at(-1)!.id, size));
        }
        while (hasNewer(window)) window = withNewer(window, newerThan(window.messages.at(-1)!.id, size));
        arrive();
        const first = window.messages[0].id;
        expect(ids(window)).toEqual(room.filter((m) => m.id >= first).map((m) => m.id));
      }),
    );
  });
});
