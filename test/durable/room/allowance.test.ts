import { describe, expect, it } from "vitest";
import { SEND_BURST, SEND_PER_SECOND } from "../../../core/protocol";
import { allowanceFrom, SendAllowance } from "../../../durable/room/allowance";
import { lapsedTypists } from "../../../durable/room/typing";

describe("the send allowance", () => {
  it("allows a burst, then refuses with how long to wait", () => {
    const allowance = new SendAllowance({ burst: 3, perSecond: 2 });
    for (let i = 0; i < 3; i++) expect(allowance.spend(1, 0)).toEqual({ ok: true });
    expect(allowance.spend(1, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it("refills at its steady rate, never past the burst", () => {
    const allowance = new SendAllowance({ burst: 2, perSecond: 2 });
    allowance.spend(1, 0);
    allowance.spend(1, 0);
    expect(allowance.spend(1, 499).ok).toBe(false);
    expect(allowance.spend(1, 1000).ok).toBe(true);
    // An hour idle gives back the burst, not an hour's worth of sends.
    const later = 3_600_000;
    expect([1, 2, 3].map(() => allowance.spend(1, later).ok)).toEqual([true, true, false]);
  });

  it("counts each user apart", () => {
    const allowance = new SendAllowance({ burst: 1, perSecond: 1 });
    expect(allowance.spend(1, 0).ok).toBe(true);
    expect(allowance.spend(2, 0).ok).toBe(true);
    expect(allowance.spend(1, 0).ok).toBe(false);
  });

  it("takes the deployment's vars when they are positive numbers, the protocol's defaults otherwise", () => {
    expect(allowanceFrom({ SEND_BURST: "50", SEND_PER_SECOND: "0.5" })).toEqual({ burst: 50, perSecond: 0.5 });
    const defaults = { burst: SEND_BURST, perSecond: SEND_PER_SECOND };
    expect(allowanceFrom({})).toEqual(defaults);
    expect(allowanceFrom({ SEND_BURST: "0", SEND_PER_SECOND: "fast" })).toEqual(defaults);
    expect(allowanceFrom({ SEND_BURST: "-1", SEND_PER_SECOND: "" })).toEqual(defaults);
  });
});

describe("typing", () => {
  it("lapses the typists whose time is up, and no one else", () => {
    expect(lapsedTypists({ "1": 100, "2": 200, "3": 150 }, 150).sort()).toEqual([1, 3]);
    expect(lapsedTypists({}, 150)).toEqual([]);
  });
});
