/**
 * Every documented route that takes an id in its path, with a valid body where it needs
 * one: the bad-id tests and the id properties throw ids at the same list, taken from the
 * OpenAPI document.
 */
import { type DocumentedRoute, documentedRoutes, fillPath, type OpenApiDocument } from "./documented-routes";

export type RouteRequest = { method: string; path: string; json?: unknown; body?: BodyInit };

/** A body each JSON route with an id accepts, whatever the id. */
const VALID_BODIES: Record<string, unknown> = {
  "PATCH /api/v1/profiles/{id}/": { first_name: "x" },
  "PATCH /api/v1/rooms/{id}/": { title: "x" },
  "POST /api/v1/rooms/{id}/members/": { participants: [1] },
  "PATCH /api/v1/messages/{id}/": { content: "x" },
  "PATCH /api/v1/rooms/{id}/membership/": { notify: "nothing" },
  "POST /api/v1/bots/{key}/rooms/{id}/messages/": { content: "x" },
};

/** The id routes, by the document; `others` makes the body of a route that takes no JSON. */
export function idRoutes(
  document: OpenApiDocument,
  others: Record<string, () => BodyInit> = {},
): [string, (id: string) => RouteRequest][] {
  return (
    documentedRoutes(document)
      .filter((route) => route.pathParams.length > 0)
      // An invite's code is no id: any base64url text may be one, so "abc" is a 404, not a 400.
      .filter((route) => !route.pathParams.includes("code"))
      .filter((route) => route.body !== "multipart" || others[route.key] !== undefined)
      .map((route: DocumentedRoute) => {
        if (route.body === "json" && !(route.key in VALID_BODIES)) {
          throw new Error(`${route.key} is missing from id-routes.ts's VALID_BODIES`);
        }
        const body = others[route.key];
        return [
          route.key,
          (id: string) => ({
            method: route.method,
            path: fillPath(route.path, id),
            ...(route.body === "json" ? { json: VALID_BODIES[route.key] } : {}),
            ...(body ? { body: body() } : {}),
          }),
        ];
      })
  );
}
