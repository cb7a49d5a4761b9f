/**
 * A stand-in for the worker in component tests: `fetch` answered by handlers registered
 * per method and path (without /api/v1 and the trailing slash), every request recorded.
 * An unregistered route answers 404 in the API's error shape, so a test sees a wrong call.
 */
import { vi } from "vitest";

export type SentRequest = { method: string; path: string; query: URLSearchParams; body: unknown; headers: Headers };
export type Reply = { status?: number; body?: unknown };
type Handler = (request: SentRequest) => Reply | Promise<Reply>;

/** The API's error body, as core/errors.ts writes it. */
export function apiError(status: number, message: string, code: string, fields?: Record<string, string>): Reply {
  return {
    status,
    body: fields ? { error: message, detail: message, code, fields } : { error: message, detail: message, code },
  };
}

function normalise(path: string) {
  return path.replace(/^\/api\/v1/, "").replace(/\/$/, "") || "/";
}

/** Installs the fake `fetch` for the current test. */
export function fakeApi() {
  const routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  const requests: SentRequest[] = [];

  const fetchFake = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(new URL(input instanceof Request ? input.url : String(input), location.href), init);
    const url = new URL(request.url);
    const text = await request.text();
    const sent: SentRequest = {
      method: request.method,
      path: normalise(url.pathname),
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      headers: request.headers,
    };
    requests.push(sent);
    const route = routes.find(
      (r) => r.method === sent.method && (typeof r.path === "string" ? r.path === sent.path : r.path.test(sent.path)),
    );
    const reply = route
      ? await route.handler(sent)
      : apiError(404, `No fake for ${sent.method} ${sent.path}`, "not_found");
    const status = reply.status ?? 200;
    const body = status === 204 || reply.body === undefined ? null : JSON.stringify(reply.body);
    return new Response(body, { status, headers: body ? { "content-type": "application/json" } : {} });
  });
  vi.stubGlobal("fetch", fetchFake);

  return {
    requests,
    /** Answers `method path` with `handler` (or a fixed reply) from now on. */
    on(method: string, path: string | RegExp, handler: Handler | Reply) {
      routes.unshift({ method, path, handler: typeof handler === "function" ? handler : () => handler });
    },
    /** The requests sent to `method path`. */
    sent(method: string, path: string) {
      return requests.filter((r) => r.method === method && r.path === path);
    },
  };
}
