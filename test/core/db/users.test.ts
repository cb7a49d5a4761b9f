import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../../core/db";
import * as schema from "../../../core/db/schema";
import {
  changeUser,
  createUser,
  deactivateUser,
  findUser,
  identityConflict,
  setAvatarKey,
  signInStatement,
} from "../../../core/db/users";
import { makeUser } from "../../support/api";

const db = () => database(env);
const sessionsOf = async (userId: number) =>
  db().select().from(schema.refreshTokens).where(eq(schema.refreshTokens.userId, userId));
const newUser = (username: string) => ({ username, email: "", firstName: "F", lastName: "L", password: "hash" });

describe("createUser", () => {
  it("stores an active, ordinary user joined now", async () => {
    const created = await createUser(db(), newUser(`new_${crypto.randomUUID().slice(0, 6)}`));
    expect(created).toMatchObject({ firstName: "F", lastName: "L", isActive: true, isSuperuser: false });
    expect(Date.now() - Date.parse(created.dateJoined)).toBeLessThan(60_000);
    expect(await findUser(db(), created.id)).toEqual(created);
  });

  it("refuses a username taken in another case, as identityConflict names it", async () => {
    const taken = await makeUser();
    const err = await createUser(db(), newUser(taken.username.toUpperCase())).catch((e: unknown) => e);
    expect(identityConflict(err)).toEqual({ username: expect.any(String) });
  });
});

describe("changeUser", () => {
  it("changes only what it is given and keeps the sessions unless told to end them", async () => {
    const user = await makeUser({ firstName: "Before", lastName: "Kept" });
    const changed = await changeUser(db(), user.id, { firstName: "After" }, { signOut: false });
    expect(changed).toMatchObject({ firstName: "After", lastName: "Kept", password: user.password });
    expect(await sessionsOf(user.id)).toHaveLength(1);
    await changeUser(db(), user.id, { password: "another hash" }, { signOut: true });
    expect(await sessionsOf(user.id)).toEqual([]);
  });
});

describe("deactivateUser", () => {
  it("turns the account off and ends every session, keeping the row", async () => {
    const user = await makeUser();
    await deactivateUser(db(), user.id);
    expect((await findUser(db(), user.id))?.isActive).toBe(false);
    expect(await sessionsOf(user.id)).toEqual([]);
  });
});

describe("setAvatarKey", () => {
  it("points the user at the new avatar", async () => {
    const user = await makeUser();
    await setAvatarKey(db(), user.id, "avatar_files/me.png");
    expect((await findUser(db(), user.id))?.avatarKey).toBe("avatar_files/me.png");
  });
});

describe("signInStatement", () => {
  it("records the sign-in and the new hash, unless the password changed meanwhile", async () => {
    const user = await makeUser();
    await signInStatement(db(), user, "rehashed");
    const signedIn = await findUser(db(), user.id);
    expect(signedIn?.password).toBe("rehashed");
    expect(signedIn?.lastLogin).not.toBeNull();
    // A sign-in that read the old hash loses to the change that came first.
    await signInStatement(db(), user, "stale rehash");
    expect((await findUser(db(), user.id))?.password).toBe("rehashed");
  });
});
