/**
 * What the global setups hand the tests through vitest's provide/inject, typed for both
 * sides: the setup in Node and the suites in workerd.
 */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    upstashGateway: { url: string; token: string };
  }
}
