import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../client/lib/live-socket";

describe("reconnect backoff", () => {
  it("doubles with each attempt and stops growing at 30 seconds", () => {
    expect(backoffDelay(1, 1)).toBe(1000);
    expect(backoffDelay(2, 1)).toBe(2000);
    expect(backoffDelay(3, 1)).toBe(4000);
    expect(backoffDelay(20, 1)).toBe(30_000);
  });

  it("spreads clients over the upper half of each wait, so a restart is not met all at once", () => {
    expect(backoffDelay(3, 0)).toBe(2000);
    expect(backoffDelay(3, 0.5)).toBe(3000);
    expect(backoffDelay(20, 0)).toBe(15_000);
  });
});
