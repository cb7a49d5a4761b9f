/**
 * The API's routes as its OpenAPI document lists them, fetched through the worker as a
 * client would: the access matrix and the bad-input tests build their route tables from
 * it, so a route added to the worker is in every table at once, or fails them.
 */
import { call } from "./api";

export type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, unknown> };
};
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

/** One documented route: `key` is `METHOD /api/v1/path/{param}/` as the document writes it. */
export type DocumentedRoute = {
  key: string;
  method: string;
  path: string;
  /** The document lets anyone call it (its `security` allows no credentials). */
  isPublic: boolean;
  pathParams: string[];
  queryParams: string[];
  body: "none" | "json" | "multipart";
};

const METHODS = new Set(["get", "put", "post", "patch", "delete"]);

export async function fetchDocument(): Promise<OpenApiDocument> {
  const answer = await call<OpenApiDocument>("GET", "/api/v1/openapi.json");
  if (answer.status !== 200) throw new Error(`the OpenAPI document answered ${answer.status}`);
  return answer.body;
}

export function documentedRoutes(document: OpenApiDocument): DocumentedRoute[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => {
        const content = Object.keys(operation.requestBody?.content ?? {});
        const named = (where: string) => (operation.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);
        return {
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          isPublic:
            operation.security !== undefined &&
            (operation.security.length === 0 || operation.security.some((s) => Object.keys(s).length === 0)),
          pathParams: named("path"),
          queryParams: named("query"),
          body: content.includes("application/json")
            ? "json"
            : content.includes("multipart/form-data")
              ? "multipart"
              : "none",
        } satisfies DocumentedRoute;
      }),
  );
}

/** A documented path with its parameters filled in: one value for all, or one per name. */
export function fillPath(path: string, values: string | number | Record<string, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = typeof values === "object" ? values[name] : values;
    if (value === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return String(value);
  });
}

/**
 * Throws unless every documented route has a row in `table` (named `what`): the check that
 * fails when a route is added without saying who may call it.
 */
export function assertCovers(document: OpenApiDocument, table: Iterable<string>, what: string): void {
  const rows = new Set(table);
  const missing = documentedRoutes(document)
    .map((route) => route.key)
    .filter((key) => !rows.has(key));
  if (missing.length > 0) throw new Error(missing.map((key) => `${key} is missing from ${what}`).join("\n"));
}
