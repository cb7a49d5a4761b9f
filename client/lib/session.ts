/**
 * The signed-in session: tokens kept in memory and sessionStorage (per tab), and REST calls
 * that renew the 5-minute access token with the refresh token when it runs out.
 */
type Tokens = { access: string; refresh: string };

const STORAGE_KEY = "condor.tokens";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class Session {
  #tokens: Tokens;
  #renewing: Promise<void> | null = null;

  constructor(tokens: Tokens) {
    this.#tokens = tokens;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  }

  static restore(): Session | null {
    const saved = sessionStorage.getItem(STORAGE_KEY);
    return saved ? new Session(JSON.parse(saved) as Tokens) : null;
  }

  static async signIn(username: string, password: string): Promise<Session> {
    return new Session(await request<Tokens>("POST", "/access_token/", { username, password }));
  }

  get access() {
    return this.#tokens.access;
  }

  /** Trades the refresh token for new tokens, once however many callers ask at the same time. */
  renew(): Promise<void> {
    this.#renewing ??= request<Tokens>("POST", "/refresh_token/", { refresh: this.#tokens.refresh })
      .then((tokens) => {
        this.#tokens = tokens;
        sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
      })
      .finally(() => (this.#renewing = null));
    return this.#renewing;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await request<T>(method, path, body, this.#tokens.access);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      await this.renew();
      return request<T>(method, path, body, this.#tokens.access);
    }
  }

  async signOut() {
    sessionStorage.removeItem(STORAGE_KEY);
    await request("POST", "/logout/", { refresh: this.#tokens.refresh }).catch(() => undefined);
  }
}

async function request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (response.status === 204 ? null : await response.json().catch(() => null)) as { error?: string } | null;
  if (!response.ok) throw new ApiError(response.status, answer?.error ?? `HTTP ${response.status}`);
  return answer as T;
}
