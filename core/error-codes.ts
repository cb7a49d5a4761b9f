/**
 * The API's error codes, one list for REST (core/errors.ts) and the socket
 * (core/protocol.ts), so the two cannot drift. Without zod or hono: the web client and the
 * Node scripts load it too.
 */
export const ERROR_CODES = [
  "invalid",
  "not_authenticated",
  "token_not_valid",
  "authentication_failed",
  "permission_denied",
  "not_found",
  "conflict",
  "too_large",
  "unsupported_media_type",
  "throttled",
  "unavailable",
  "server_error",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
