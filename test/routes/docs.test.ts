import { describe, expect, it } from "vitest";
import { call } from "../support/api";

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
  security?: Record<string, string[]>[];
};

const document = async () => (await call<Document>("GET", "/api/v1/openapi.json")).body;

/** A documented path with its parameters filled in. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "1");

/** What an operation asks for: its own security, or the document's. */
const securityOf = (doc: Document, op: Operation) => op.security ?? doc.security ?? [];

describe("GET /api/v1/openapi.json", () => {
  it("documents every route of the original, with the trailing slash its clients use", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        "POST /api/v1/access_token/",
        "POST /api/v1/refresh_token/",
        "POST /api/v1/logout/",
        "GET /api/v1/profiles/",
        "POST /api/v1/profiles/",
        "GET /api/v1/profiles/me/",
        "GET /api/v1/profiles/get_available_users/",
        "GET /api/v1/profiles/{id}/",
        "PATCH /api/v1/profiles/{id}/",
        "DELETE /api/v1/profiles/{id}/",
        "PUT /api/v1/profiles/{id}/pic/",
        "GET /api/v1/rooms/",
        "POST /api/v1/rooms/",
        "GET /api/v1/rooms/{id}/",
        "PATCH /api/v1/rooms/{id}/",
        "DELETE /api/v1/rooms/{id}/",
        "GET /api/v1/rooms/{id}/messages/",
        "POST /api/v1/rooms/{id}/members/",
        "DELETE /api/v1/rooms/{id}/members/{user_id}/",
        "POST /api/v1/rooms/{id}/leave/",
        "POST /api/v1/send_message_to_user/",
        "POST /api/v1/send_message_to_room/",
      ]),
    );
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/api\/v1\/.*\/$/);
  });

  it("describes the shapes with every key of the original", async () => {
    const { components } = await document();
    expect(Object.keys(components.schemas.User.properties!)).toEqual(
      expect.arrayContaining(["id", "full_name", "username", "email", "avatar_url"]),
    );
    expect(Object.keys(components.schemas.Room.properties!)).toEqual(
      expect.arrayContaining(["id", "title", "timestamp", "messages", "is_group", "participants"]),
    );
    expect(Object.keys(components.schemas.Error.properties!)).toEqual(
      expect.arrayContaining(["error", "detail", "code", "fields"]),
    );
  });

  it("documents the error answers of every operation in the one error shape", async () => {
    const doc = await document();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const errors = Object.keys(op.responses).filter((status) => Number(status) >= 400);
        expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const status of errors) {
          expect(JSON.stringify(op.responses[status]), `${method} ${path} ${status}`).toContain(
            "#/components/schemas/Error",
          );
        }
      }
    }
  });

  it("says which operations need a bearer token", async () => {
    const doc = await document();
    expect(doc.components.securitySchemes).toHaveProperty("bearer");
    expect(securityOf(doc, doc.paths["/api/v1/access_token/"].post)).toEqual([]);
    expect(securityOf(doc, doc.paths["/api/v1/refresh_token/"].post)).toEqual([]);
    expect(securityOf(doc, doc.paths["/api/v1/rooms/"].get)).toEqual([{ bearer: [] }]);
    expect(securityOf(doc, doc.paths["/api/v1/profiles/{id}/pic/"].put)).toEqual([{ bearer: [] }]);
    // Sign-up may be open: the token is optional there.
    expect(securityOf(doc, doc.paths["/api/v1/profiles/"].post)).toEqual(expect.arrayContaining([{}, { bearer: [] }]));
  });

  it("documents only routes that exist: each answers something other than 'No such API route'", async () => {
    const doc = await document();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const answer = await call(method.toUpperCase(), concrete(path));
        expect(answer.body?.error, `${method} ${path}`).not.toBe("No such API route.");
      }
    }
  });
});

describe("GET /api/docs", () => {
  it("renders the same document as a page without scripts, for anyone", async () => {
    const doc = await document();
    const page = await call("GET", "/api/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = String(page.body);
    for (const path of Object.keys(doc.paths)) expect(html).toContain(`<code>${path}</code>`);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('href="/api/v1/openapi.json"');
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  });
});
