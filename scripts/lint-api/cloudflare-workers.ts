/** Stands in for `cloudflare:workers` when scripts/lint-api.ts loads the worker in Node. */
export class DurableObject {}
export class WorkerEntrypoint {}
export const env = {};
