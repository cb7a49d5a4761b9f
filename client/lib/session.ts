/**
 * The signed-in session. The access token (5 minutes) lives in this module's memory only;
 * the refresh token is an HttpOnly cookie set by the token routes' cookie mode, so no
 * script on the page, injected or not, can read it. A reload renews through the cookie.
 *
 * Whether this browser holds a session at all is kept beside it, as a flag in localStorage
 * (no token, nothing secret): a load without it asks the server nothing, where a probe
 * would be refused with a 401 that every browser logs as an error. A session from before
 * the flag existed signs in once more.
 */

/** The token routes' cookie mode: see worker/routes/tokens.ts. */
const COOKIE_MODE = { "x-condor-refresh": "cookie" } as const;

/** The API's one error shape, `{error, detail, code, fields?}`, as a thrown error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The error a failed answer carries; a body that is not the API's shape still gives one. */
export async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as {
    error?: string;
    code?: string;
    fields?: Record<string, string>;
  } | null;
  return new ApiError(
    response.status,
    body?.error ?? `The server answered ${response.status}.`,
    body?.code ?? "error",
    body?.fields,
  );
}

const SIGNED_IN_FLAG = "condor.signed-in";

let access: string | null = null;
let renewing: Promise<string> | null = null;
const signedOutListeners = new Set<() => void>();

async function tokenRoute(path: string, body: unknown): Promise<{ access: string }> {
  const response = await fetch(`/api/v1${path}`, {
    method: "POST",
    headers: { ...COOKIE_MODE, "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as { access: string };
}

/** The current access token, or null when signed out. */
export const accessToken = () => access;

/** Signs in; throws an ApiError whose message says why not (wrong password, too many tries). */
export async function signIn(username: string, password: string): Promise<void> {
  access = (await tokenRoute("/access_token/", { username, password })).access;
  localStorage.setItem(SIGNED_IN_FLAG, "1");
}

/** Makes an account that is signed in at once (first-run setup, an invite): it answers as signing in does. */
export async function signInAsNew(path: string, account: unknown): Promise<void> {
  access = (await tokenRoute(path, account)).access;
}

/**
 * Runs a renewal while no other tab of this browser renews. The tabs share one refresh
 * cookie, which rotates on use: two renewals sent at once would both present the same
 * cookie, and the second would be refused and sign its tab out. Behind the lock, the later
 * tab's request carries the cookie the earlier one just got.
 */
function acrossTabs<T>(renew: () => Promise<T>): Promise<T> {
  return navigator.locks ? (navigator.locks.request("condor.refresh", renew) as Promise<T>) : renew();
}

/**
 * A fresh access token from the refresh cookie, once however many callers ask at the same
 * time. When the cookie no longer works the session is over: listeners hear it.
 */
export function renewAccess(): Promise<string> {
  renewing ??= acrossTabs(() => tokenRoute("/refresh_token/", {}))
    .then(
      (tokens) => (access = tokens.access),
      (err: unknown) => {
        if (err instanceof ApiError && (err.status === 401 || err.status === 400)) endSession();
        throw err;
      },
    )
    .finally(() => (renewing = null));
  return renewing;
}

/** On load: whether the refresh cookie still signs us in. */
export async function resumeSession(): Promise<boolean> {
  if (localStorage.getItem(SIGNED_IN_FLAG) === null) return false;
  try {
    await renewAccess();
    return true;
  } catch {
    return false;
  }
}

/** Signs out everywhere this browser is signed in: the cookie's token is revoked and cleared. */
export async function signOut(): Promise<void> {
  await tokenRoute("/logout/", {}).catch(() => undefined);
  endSession();
}

/** Calls `listener` when the session ends (signed out, or the refresh cookie expired); returns an unsubscribe. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function endSession() {
  access = null;
  localStorage.removeItem(SIGNED_IN_FLAG);
  for (const listener of signedOutListeners) listener();
}
