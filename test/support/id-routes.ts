/**
 * Every JSON route that takes an id in its path, with a valid body where it needs one: the
 * bad-id tests and the id properties throw ids at the same list.
 */
export type RouteRequest = { method: string; path: string; json?: unknown; body?: BodyInit };

export const ID_ROUTES: [string, (id: string) => RouteRequest][] = [
  ["GET profiles/{id}/", (id) => ({ method: "GET", path: `/api/v1/profiles/${id}/` })],
  ["PATCH profiles/{id}/", (id) => ({ method: "PATCH", path: `/api/v1/profiles/${id}/`, json: { first_name: "x" } })],
  ["DELETE profiles/{id}/", (id) => ({ method: "DELETE", path: `/api/v1/profiles/${id}/` })],
  ["GET rooms/{id}/", (id) => ({ method: "GET", path: `/api/v1/rooms/${id}/` })],
  ["PATCH rooms/{id}/", (id) => ({ method: "PATCH", path: `/api/v1/rooms/${id}/`, json: { title: "x" } })],
  ["DELETE rooms/{id}/", (id) => ({ method: "DELETE", path: `/api/v1/rooms/${id}/` })],
  ["GET rooms/{id}/messages/", (id) => ({ method: "GET", path: `/api/v1/rooms/${id}/messages/` })],
  [
    "POST rooms/{id}/members/",
    (id) => ({ method: "POST", path: `/api/v1/rooms/${id}/members/`, json: { participants: [1] } }),
  ],
  ["DELETE rooms/{id}/members/{user_id}/", (id) => ({ method: "DELETE", path: `/api/v1/rooms/${id}/members/${id}/` })],
  ["POST rooms/{id}/leave/", (id) => ({ method: "POST", path: `/api/v1/rooms/${id}/leave/` })],
  ["PATCH messages/{id}/", (id) => ({ method: "PATCH", path: `/api/v1/messages/${id}/`, json: { content: "x" } })],
  ["DELETE messages/{id}/", (id) => ({ method: "DELETE", path: `/api/v1/messages/${id}/` })],
];
