/**
 * Talking to the worker as a client does, through its own fetch, and making users fast.
 */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { issueAccessToken, issueRefreshToken } from "../../worker/auth/tokens";
import { hashPassword } from "../../worker/auth/passwords";
import { database } from "../../worker/db";
import { users, type UserRow } from "../../worker/db/schema";

export const ORIGIN = "http://chat.example";

export type Answer<T = any> = { status: number; body: T; headers: Headers };

type CallOptions = { token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> };

/** One request to the worker; JSON bodies are sent as the README's curl examples send them. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a page, an image): the text is the body.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export const DEFAULT_PASSWORD = "correct horse battery";
const hashes = new Map<string, Promise<string>>();
/** Hashing is deliberately slow; each password is hashed once per test file. */
const hashOf = (password: string) => {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  return hashes.get(password)!;
};

let counter = 0;

/** A user straight in D1, with an access and a refresh token of their own. */
export async function makeUser(
  overrides: Partial<Omit<UserRow, "password">> & { password?: string } = {},
): Promise<UserRow & { access: string; refresh: string; plainPassword: string }> {
  counter += 1;
  const plainPassword = overrides.password ?? DEFAULT_PASSWORD;
  const db = database(env);
  const [row] = await db
    .insert(users)
    .values({
      username: `user${counter}_${crypto.randomUUID().slice(0, 6)}`,
      firstName: "",
      lastName: "",
      email: "",
      dateJoined: new Date().toISOString(),
      ...overrides,
      password: await hashOf(plainPassword),
    })
    .returning();
  return {
    ...row,
    plainPassword,
    access: await issueAccessToken(env, row.id),
    refresh: await issueRefreshToken(env, db, row.id),
  };
}
