/**
 * The one error shape of the API. It keeps both keys the original's clients read: DRF's
 * `detail` (auth errors) and condor_chat's own `error` (send endpoints), with the same text.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import type { ErrorCode } from "./error-codes";

export { ERROR_CODES, type ErrorCode } from "./error-codes";

export type ErrorBody = {
  error: string;
  detail: string;
  code: ErrorCode;
  /** Field name (dotted for nested ones) to what is wrong with it. */
  fields?: Record<string, string>;
};

export function errorBody(message: string, code: ErrorCode, fields?: Record<string, string>): ErrorBody {
  return fields ? { error: message, detail: message, code, fields } : { error: message, detail: message, code };
}

/** Thrown anywhere in a request; the app's error handler answers it in the one shape. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    message: string,
    readonly code: ErrorCode,
    readonly fields?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
  }
}

export const notFound = (what = "Not found.") => new ApiError(404, what, "not_found");
export const forbidden = (why = "You do not have permission to perform this action.") =>
  new ApiError(403, why, "permission_denied");
export const invalid = (message: string, fields?: Record<string, string>) =>
  new ApiError(400, message, "invalid", fields);

const codeForStatus: Partial<Record<number, ErrorCode>> = {
  400: "invalid",
  401: "not_authenticated",
  403: "permission_denied",
  404: "not_found",
  409: "conflict",
  413: "too_large",
  415: "unsupported_media_type",
  429: "throttled",
};

/** How long a client should wait before retrying a request that met a storage failure. */
const RETRY_AFTER_SECONDS = "1";

/**
 * Whether an error (or one it was caused by) is D1, R2 or a Durable Object failing rather
 * than the request or the code: D1's own errors (but SQL errors, which are bugs), R2's
 * R2Error, and the errors the runtime marks retryable or overloaded.
 */
export function isStorageFailure(err: unknown): boolean {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const marks = cause as Error & { retryable?: unknown; overloaded?: unknown; action?: unknown; code?: unknown };
    if (marks.retryable === true || marks.overloaded === true) return true;
    if (cause.name === "R2Error" || (typeof marks.action === "string" && typeof marks.code === "number")) return true;
    if (cause.message.includes("D1_") && !cause.message.includes("SQLITE_")) return true;
  }
  return false;
}

/** Answers any thrown error in the one shape; unknown errors are logged and leak nothing. */
export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return Response.json(errorBody(err.message, err.code, err.fields), {
      status: err.status,
      headers: err.headers,
    });
  }
  if (err instanceof HTTPException && err.status < 500) {
    const message = err.message || "Bad request.";
    return Response.json(errorBody(message, codeForStatus[err.status] ?? "invalid"), { status: err.status });
  }
  if (isStorageFailure(err)) {
    console.warn("storage unavailable", err);
    return Response.json(errorBody("The service is unavailable for a moment; try again.", "unavailable"), {
      status: 503,
      headers: { "Retry-After": RETRY_AFTER_SECONDS },
    });
  }
  console.error("unexpected error", err);
  return Response.json(errorBody("Something went wrong on our side.", "server_error"), { status: 500 });
}
