/**
 * Readable API docs at /api/docs, rendered on the server from the same OpenAPI document
 * that /api/v1/openapi.json serves, so they cannot drift from the code. No script and no
 * third-party assets: the page works offline and under the strict CSP.
 */

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

/** The docs page of an OpenAPI 3.1 document, as the zod-openapi registry makes it. */
export function docsPage(openApi: object): string {
  const document = openApi as Document & { components?: { schemas?: Record<string, unknown> } };
  const components = document.components?.schemas ?? {};
  const sections = Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => operationHtml(path, method, op, components)),
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
section{border-top:1px solid #dde;padding:.5rem 0}.method{display:inline-block;min-width:4.5rem;color:#2456b4}
pre{background:#f4f5f9;padding:.75rem;overflow:auto;font-size:13px}code{font-size:14px}
</style></head><body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description ?? "")}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;access token&gt;</code> from <code>POST /api/v1/access_token/</code>.</p>
${sections}
</body></html>`;
}
