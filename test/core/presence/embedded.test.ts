/**
 * The embedded presence store (the Presence Durable Object), and that it is the one chat
 * gets when no Upstash is configured.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { presenceStore } from "../../../core/presence";
import { EmbeddedPresence } from "../../../core/presence/embedded";
import { presenceContract } from "./contract";

describe("embedded presence store", () => {
  presenceContract(() => new EmbeddedPresence(env.PRESENCE));
});

describe("presenceStore without Upstash credentials", () => {
  it("keeps presence in the embedded store", async () => {
    const user = 424_242;
    const unconfigured = { ...env, UPSTASH_REDIS_REST_URL: "", UPSTASH_REDIS_REST_TOKEN: "" };
    await presenceStore(unconfigured).heartbeat(user, Date.UTC(2030, 0, 1));
    const status = await new EmbeddedPresence(env.PRESENCE).status([user], Date.UTC(2030, 0, 1));
    expect(status.get(user)?.is_online).toBe(true);
  });
});
