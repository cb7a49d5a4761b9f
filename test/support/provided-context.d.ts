/**
 * What the global setups hand the tests through vitest's provide/inject, typed for both
 * sides: the setups in Node and the suites in workerd or Node.
 */
import type { FoundBrowser } from "../../scripts/browser.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Upstash gateway over a real Redis (upstash-gateway.global.ts). */
    upstashGateway: { url: string; token: string };
    /** The browser the Node suites drive (browser.global.ts). */
    browser: FoundBrowser;
    /** A real Redis for the Node suites (redis.global.ts). */
    redisUrl: string;
    /** The pages link previews fetch, on loopback (page-server.global.ts). */
    pageServer: string;
    /** The loopback push service's origin (push-service.global.ts). */
    pushService: string;
    /** The bots' webhooks, on loopback (webhook-server.global.ts). */
    webhookServer: string;
  }
}
