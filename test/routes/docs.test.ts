import { describe, expect, it } from "vitest";
import { API_DOCS_RENDERER } from "../../worker/routes/docs";
import { call, makeUser, ORIGIN } from "../support/api";

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
};
type Document = {
  openapi: string;
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
  security?: Record<string, string[]>[];
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
};

const document = async () => (await call<Document>("GET", "/api/v1/openapi.json")).body;

/** A documented path with its parameters filled in. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "1");

/** Every operation of the document, as "METHOD path" with the operation. */
const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
  );

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
        "GET /api/v1/search/",
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

  it("names every operation with a unique camelCase operationId and a declared, described tag", async () => {
    const doc = await document();
    const declared = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));
    const ids = new Set<string>();
    for (const [name, op] of operationsOf(doc)) {
      expect(op.operationId, name).toMatch(/^[a-z]+(?:[A-Z][a-z]*)+$/);
      expect(ids.has(op.operationId!), `${name}: ${op.operationId} twice`).toBe(false);
      ids.add(op.operationId!);
      expect(op.tags, name).toHaveLength(1);
      expect(declared.get(op.tags![0]), `${name}: tag ${op.tags![0]}`).toMatch(/\w/);
    }
    expect(doc.paths["/api/v1/send_message_to_user/"].post.operationId).toBe("sendMessageToUser");
    expect(doc.paths["/api/v1/rooms/"].get.operationId).toBe("listRooms");
    expect([...declared.keys()]).toEqual(
      expect.arrayContaining(["Tokens", "Profiles", "Avatars", "Rooms", "Messages"]),
    );
  });

  it("names the origin it was asked from as its server, so a copy still points here", async () => {
    const doc = await document();
    expect(doc.servers?.map((server) => server.url)).toEqual([ORIGIN]);
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
  const page = async () => {
    const answer = await call("GET", "/api/docs");
    return { ...answer, html: String(answer.body) };
  };
  /** Scalar's settings, from the page's JSON data block. */
  const configurationOf = (html: string) => {
    const attribute = html.match(/<script id="api-reference" type="application\/json" data-configuration="([^"]*)">/);
    expect(attribute, "the api-reference data block").not.toBeNull();
    const decoded = attribute![1]
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
    return JSON.parse(decoded);
  };

  it("serves an interactive page whose only script is the renderer bundled with the worker", async () => {
    const { status, headers, html } = await page();
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^text\/html/);
    const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
    expect(scripts).toEqual([
      expect.stringMatching(/^<script id="api-reference" type="application\/json" /),
      `<script src="${API_DOCS_RENDERER}">`,
    ]);
    // The data block is never executed, so it must hold nothing but the settings.
    expect(html).toMatch(/<script id="api-reference" [^>]*><\/script>/);
  });

  it("names no other site: no external URL anywhere on the page", async () => {
    const { html } = await page();
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).not.toMatch(/\b(src|href)="(?!\/)/i);
  });

  it("answers under the app's CSP: scripts from this origin only, never eval or inline", async () => {
    const { headers } = await page();
    const csp = headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(headers.get("x-frame-options")).toBe("DENY");
  });

  it("serves the renderer's bundle from the worker's own static assets", async () => {
    const asset = await call("GET", API_DOCS_RENDERER);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(String(asset.body)).toContain("createApiReference");
    expect(asset.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("has Scalar load this origin's document, sign with its bearer scheme and reach nowhere else", async () => {
    const doc = await document();
    const configuration = configurationOf((await page()).html);
    expect(configuration.url).toBe("/api/v1/openapi.json");
    expect(configuration.authentication.preferredSecurityScheme).toBe("bearer");
    expect(doc.components.securitySchemes).toHaveProperty(configuration.authentication.preferredSecurityScheme);
    expect(configuration).toMatchObject({ withDefaultFonts: false, telemetry: false });
    expect(configuration.proxyUrl).toBeUndefined();
    expect(JSON.stringify(configuration)).not.toMatch(/https?:/);
  });

  it("tells how to get a token", async () => {
    const doc = await document();
    expect(doc.info.description).toContain("POST /api/v1/access_token/");
    expect(doc.info.description).toContain("Authorization: Bearer");
  });

  it("lets the page's own requests through the same-origin check: sign in, then call with the token", async () => {
    const user = await makeUser();
    const fromPage = { origin: ORIGIN, referer: `${ORIGIN}/api/docs` };
    const signIn = await call("POST", "/api/v1/access_token/", {
      json: { username: user.username, password: user.plainPassword },
      headers: fromPage,
    });
    expect(signIn.status).toBe(200);
    const me = await call("GET", "/api/v1/profiles/me/", { token: signIn.body.access, headers: fromPage });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
    const elsewhere = await call("POST", "/api/v1/access_token/", {
      json: { username: user.username, password: user.plainPassword },
      headers: { origin: "http://elsewhere.example" },
    });
    expect(elsewhere.status).toBe(403);
  });

  it("renders the same document without scripts, for anyone", async () => {
    const doc = await document();
    const { html } = await page();
    const fallback = html.match(/<noscript>([\s\S]*)<\/noscript>/)?.[1] ?? "";
    for (const path of Object.keys(doc.paths)) expect(fallback).toContain(`<code>${path}</code>`);
    expect(fallback).not.toMatch(/<script/i);
    expect(fallback).toContain('href="/api/v1/openapi.json"');
  });
});
