/**
 * Talking to the worker as a client does, through its own fetch, and making users fast.
 */
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { database } from "../../core/db";
import { reserveMessageIds } from "../../core/db/messages";
import { type UserRow, users } from "../../core/db/schema";
import { roomObject } from "../../durable/room";
import { MessageStore } from "../../durable/room/store";
import { hashPassword } from "../../worker/auth/passwords";
import { issueAccessToken, issueRefreshToken } from "../../worker/auth/tokens";
import worker from "../../worker/index";

export const ORIGIN = "http://chat.example";

export type Answer<T = any> = { status: number; body: T; headers: Headers };

type CallOptions = {
  token?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** Settings to run this one request with, such as `{ ALLOW_SIGNUP: "true" }`. */
  settings?: Partial<Env>;
};

/** One request to the worker; JSON bodies are sent as the README's curl examples send them. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  const request = new Request(`${ORIGIN}${path}`, { method, headers, body });
  const response = options.settings
    ? await fetchWithSettings(request, options.settings)
    : await exports.default.fetch(request);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a page, an image): the text is the body.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** The worker's own fetch with some settings changed, as `wrangler.toml` [vars] would. */
async function fetchWithSettings(request: Request, settings: Partial<Env>): Promise<Response> {
  const context = createExecutionContext();
  const response = await worker.fetch(request, { ...env, ...settings }, context);
  await waitOnExecutionContext(context);
  return response;
}

/** Asserts an answer is the API's one error shape with this status (and code, if given). */
export function expectError(answer: Answer, status: number, code?: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
  expect(answer.body).toEqual({
    error: expect.any(String),
    detail: answer.body?.error,
    code: code ?? expect.any(String),
    ...(answer.body?.fields ? { fields: expect.any(Object) } : {}),
  });
  expect(answer.body.error.length).toBeGreaterThan(0);
}

/** Every stored row that matters, to prove a refused request changed nothing. */
export async function snapshot(): Promise<unknown[]> {
  const tables = ["users", "rooms", "room_members", "message_blocks", "invites", "audit_entries", "bots"];
  return Promise.all(
    tables.map(async (table) => (await env.DB.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()).results),
  );
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

type Person = { access: string };

/** A group room made through the API by `owner`, with `members`. */
export async function makeRoom(owner: Person, members: { id: number }[] = [], title = "a room"): Promise<any> {
  const answer = await call("POST", "/api/v1/rooms/", {
    token: owner.access,
    json: { title, participants: members.map((m) => m.id) },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** Sends a direct message through the API; answers the DM room. */
export async function sendToUser(sender: Person, receiver: { id: number }, message = "hello"): Promise<any> {
  const answer = await call("POST", "/api/v1/send_message_to_user/", {
    token: sender.access,
    json: { user_id: receiver.id, message },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** Sends a message to a room through the API; answers the room. */
export async function sendToRoom(sender: Person, roomId: number, message = "hello"): Promise<any> {
  const answer = await call("POST", "/api/v1/send_message_to_room/", {
    token: sender.access,
    json: { group_id: roomId, message },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** A room's history as its REST page answers it, oldest first (up to 100). */
export async function historyOf(token: string, roomId: number): Promise<{ id: number; content: string }[]> {
  const answer = await call("GET", `/api/v1/rooms/${roomId}/messages/?limit=100`, { token });
  return answer.body.messages;
}

/**
 * Stores messages straight in the room's store with ids of their own, for tests about
 * reading long histories (sending them one by one would hit the send rate limit). Seed a
 * room before it numbers messages of its own: they would come before the seeded ones.
 */
export async function seedMessages(roomId: number, senderId: number, texts: string[]): Promise<void> {
  const first = await reserveMessageIds(database(env), texts.length, roomId);
  const createdAt = new Date().toISOString();
  await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
    const store = new MessageStore(state.storage, { env, roomId });
    for (const [i, content] of texts.entries())
      store.insert({ id: first + i, senderId, content, createdAt, clientId: null });
  });
}
