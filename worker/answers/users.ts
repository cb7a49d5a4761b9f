/**
 * Users as the API answers them: the profile with its presence, read from the presence
 * store once per answer however many users it holds.
 */
import type { UserRow } from "../../core/db/schema";
import { presenceStore, UNKNOWN_PRESENCE } from "../../core/presence";
import { toUser, type User } from "../../core/shapes";

export async function userAnswers(env: Env, origin: string, rows: UserRow[]): Promise<User[]> {
  const presence = rows.length > 0 ? await presenceStore(env).status(rows.map((row) => row.id)) : new Map();
  return rows.map((row) => toUser(row, origin, presence.get(row.id) ?? UNKNOWN_PRESENCE));
}

export async function userAnswer(env: Env, origin: string, row: UserRow): Promise<User> {
  const [user] = await userAnswers(env, origin, [row]);
  return user;
}
