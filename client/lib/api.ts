/**
 * The one typed way the client calls the REST API: `api` is Hono's client over the
 * worker's own route types (`AppType`), so a wrong path, parameter or body is a compile
 * error, and `answer()` gives the typed success body or throws an ApiError.
 *
 *   const rooms = await answer(api.rooms.$get({ query: {} }));
 *   await answer(api.profiles[":id"].$patch({ param: { id: String(me.id) }, json: { first_name } }));
 *
 * Every call carries the session's access token and, on a 401, renews it once through the
 * refresh cookie and tries again. Uploads (avatars, attachments) go through XMLHttpRequest,
 * which reports progress (fetch cannot).
 */
import { type ClientResponse, hc, type InferResponseType } from "hono/client";
import type { ResponseFormat } from "hono/types";
import type { SuccessStatusCode } from "hono/utils/http-status";
import type { AppType } from "../../worker/index";
import { accessToken, errorOf, renewAccess } from "./session";

export { ApiError } from "./session";

async function authorizedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const attempt = (token: string | null) => {
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const response = await attempt(accessToken() ?? (await renewAccess().catch(() => null)));
  if (response.status !== 401) return response;
  return attempt(await renewAccess());
}

export const api = hc<AppType>("/api/v1", { fetch: authorizedFetch });

type Success<R> =
  R extends ClientResponse<infer Body, infer Status, ResponseFormat>
    ? Status extends SuccessStatusCode
      ? Body
      : never
    : never;

/** The success body of a call, typed from the route; a failure throws the API's ApiError. */
export async function answer<R extends ClientResponse<unknown, number, ResponseFormat>>(
  pending: Promise<R>,
): Promise<Success<R>> {
  const response = (await pending) as unknown as Response;
  if (!response.ok) throw await errorOf(response);
  return (response.status === 204 ? undefined : await response.json()) as Success<R>;
}

/** The API's shapes, as the worker's routes answer them. */
export type User = InferResponseType<(typeof api.profiles.me)["$get"], 200>;
export type Room = InferResponseType<(typeof api.rooms)[":id"]["$get"], 200>;
export type RoomPage = InferResponseType<(typeof api.rooms)["$get"], 200>;
export type Message = Room["messages"][number];
export type AvatarAnswer = InferResponseType<(typeof api.profiles)[":id"]["pic"]["$put"], 202>;

export type AttachmentAnswer = InferResponseType<(typeof api.rooms)[":id"]["attachments"]["$post"], 201>;

/**
 * Sends a form with XMLHttpRequest, which (unlike fetch) reports upload progress: calls
 * `onProgress` with the fraction sent (0 to 1), renews the access token once on a 401, and
 * resolves with the JSON answer or rejects with an ApiError, or a TypeError when the network
 * failed. `signal` aborts it.
 */
async function uploadForm<T>(
  method: string,
  url: string,
  form: FormData,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  const send = (token: string | null) =>
    new Promise<Response>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open(method, url);
      if (token) request.setRequestHeader("authorization", `Bearer ${token}`);
      request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
      request.onload = () =>
        resolve(
          new Response(request.responseText, {
            status: request.status,
            headers: { "content-type": "application/json" },
          }),
        );
      request.onerror = () => reject(new TypeError("The upload could not reach the server."));
      request.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
      signal?.addEventListener("abort", () => request.abort(), { once: true });
      request.send(form);
    });
  let response = await send(accessToken());
  if (response.status === 401) response = await send(await renewAccess());
  if (!response.ok) throw await errorOf(response);
  onProgress(1);
  return (await response.json()) as T;
}

/**
 * Uploads an avatar image for user `userId` (yourself, or anyone as a superuser) with
 * PUT /api/v1/profiles/{id}/pic/. Rejects with an ApiError for 400 (not an image), 403 or
 * 413 (too large).
 */
export function uploadAvatar(userId: number, image: Blob, onProgress: (fraction: number) => void) {
  const form = new FormData();
  form.append("avatar", image, `avatar.${image.type.split("/")[1] ?? "png"}`);
  return uploadForm<AvatarAnswer>("PUT", `/api/v1/profiles/${userId}/pic/`, form, onProgress);
}

/** Uploads a file to a room, to be sent with a message; 413 when it is too large. */
export function uploadAttachment(
  roomId: number,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
) {
  const form = new FormData();
  form.append("file", file, file.name);
  return uploadForm<AttachmentAnswer>("POST", `/api/v1/rooms/${roomId}/attachments/`, form, onProgress, signal);
}
