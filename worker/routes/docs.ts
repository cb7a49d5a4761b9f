/**
 * API docs at /api/docs that people can try: Scalar renders /api/v1/openapi.json, signs
 * requests with the bearer token you paste, and sends them from this origin (so the
 * same-origin check lets them through). Its bundle is one of this worker's static assets,
 * copied there by the Vite build; nothing comes from a CDN, and no inline script runs, so
 * the app's CSP holds unchanged. Without scripts, the same document rendered on the server
 * is shown instead.
 */

/** The renderer's bundle among the static assets: vite.config.ts copies it there. */
export const API_DOCS_RENDERER = "/api-docs/scalar.standalone.js";

/**
 * Scalar's settings: sign with the bearer scheme, and switch off what would reach outside
 * this origin (its web fonts, telemetry, the AI agent, the MCP link, and the button that
 * opens this document in Scalar's hosted client). "Test Request" stays: it runs in the page.
 */
const scalarConfiguration = {
  url: "/api/v1/openapi.json",
  authentication: { preferredSecurityScheme: "bearer" },
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: true,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  documentDownloadType: "json",
};

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  security?: unknown[];
};
type Document = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** Renders one operation: its method, path, what it does, its inputs and its answers. */
function operationHtml(path: string, method: string, op: Operation, components: Record<string, unknown>): string {
  const params = (op.parameters ?? [])
    .map((p) => `<li><code>${escapeHtml(p.name)}</code> in ${escapeHtml(p.in)}${p.required ? " (required)" : ""}</li>`)
    .join("");
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(
      ([type, { schema }]) =>
        `<p>Body (${escapeHtml(type)}):</p><pre>${escapeHtml(JSON.stringify(resolve(schema, components), null, 2))}</pre>`,
    )
    .join("");
  const answers = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<li><b>${escapeHtml(status)}</b> ${escapeHtml(r.description ?? "")}</li>`)
    .join("");
  return `<section id="${escapeHtml(`${method}-${path}`)}">
<h3><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? "")}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}
${params ? `<p>Parameters:</p><ul>${params}</ul>` : ""}${body}<p>Answers:</p><ul>${answers}</ul></section>`;
}

/** Inlines `$ref`s one level deep so a body reads without jumping around. */
function resolve(schema: unknown, components: Record<string, unknown>): unknown {
  if (schema && typeof schema === "object" && "$ref" in schema) {
    const name = String((schema as { $ref: string }).$ref)
      .split("/")
      .pop()!;
    return components[name] ?? schema;
  }
  return schema;
}

/** The server-rendered docs: every operation with its inputs and answers, for readers without scripts. */
function staticDocs(document: Document & { components?: { schemas?: Record<string, unknown> } }): string {
  const components = document.components?.schemas ?? {};
  const sections = Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => operationHtml(path, method, op, components)),
    )
    .join("\n");
  return `<style>
.static-docs{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
.static-docs section{border-top:1px solid #dde;padding:.5rem 0}.static-docs .method{display:inline-block;min-width:4.5rem;color:#2456b4}
.static-docs pre{background:#f4f5f9;padding:.75rem;overflow:auto;font-size:13px}.static-docs code{font-size:14px}
</style><main class="static-docs">
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<pre>${escapeHtml(document.info.description ?? "")}</pre>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;access token&gt;</code> from <code>POST /api/v1/access_token/</code>.</p>
${sections}
</main>`;
}

/**
 * The docs page of an OpenAPI 3.1 document, as the zod-openapi registry makes it. Scalar's
 * settings travel in a JSON data block (never executed, so no inline script for the CSP to allow).
 */
export function docsPage(openApi: object): string {
  const document = openApi as Document;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} API</title>
</head><body>
<noscript>${staticDocs(document)}</noscript>
<script id="api-reference" type="application/json" data-configuration="${escapeHtml(JSON.stringify(scalarConfiguration))}"></script>
<script src="${API_DOCS_RENDERER}"></script>
</body></html>`;
}
