/**
 * Profiles: the original's users. Anyone signed in may list and read them; only the user
 * or a superuser changes one; deleting deactivates, so a user's messages keep their sender.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import { recordAudit } from "../../core/db/audit";
import type { UserRow } from "../../core/db/schema";
import {
  availableUsers,
  changeUser,
  createUser,
  deactivateUser,
  findUser,
  identityConflict,
  listUsers,
  takenIdentity,
} from "../../core/db/users";
import { ApiError, forbidden, invalid, notFound } from "../../core/errors";
import {
  canCreateUser,
  canSeeProfile,
  canSetAccountFlags,
  isSelfOrSuperuser,
  seesInactiveUsers,
} from "../../core/policy";
import { MAX_STATUS_TEXT } from "../../core/protocol-constants";
import { MAX_REACTION_LENGTH, reactionEmoji } from "../../core/reactions";
import { originOf, UserSchema } from "../../core/shapes";
import { userAnswer, userAnswers } from "../answers/users";
import { createApp, createPublicApp } from "../app";
import { hashPassword, verifyPassword } from "../auth/passwords";
import { optionalUser } from "../auth/require-user";
import { errors, idParam, json, jsonBody, pageQuery, pageSchema, paginated } from "../openapi";
import { email, password, personName, username } from "../profile-fields";
import { announceDeactivated, announceNewUser, announceUsernameChanged } from "../rooms/announcements";

/** A new account, as sign-up, first-run setup and an invite take it. */
export const NewUser = z.object({
  username,
  first_name: personName.default(""),
  last_name: personName.default(""),
  email: email.default(""),
  password,
});

const ProfileChanges = z
  .object({
    username,
    first_name: personName,
    last_name: personName,
    email,
    password,
    current_password: z.string().max(1024),
    is_active: z.boolean(),
    is_superuser: z.boolean(),
    dnd_until: z.iso
      .datetime({ offset: true })
      .nullable()
      .openapi({ description: "Your own only: no push until this time; null turns do-not-disturb off" }),
    status_emoji: z
      .string()
      .max(MAX_REACTION_LENGTH)
      .refine((text) => text === "" || reactionEmoji(text) !== undefined, "must be one emoji")
      .nullable()
      .openapi({ description: 'Your status\'s one emoji; "" or null for none' }),
    status_text: z
      .string()
      .trim()
      .max(MAX_STATUS_TEXT, `must be at most ${MAX_STATUS_TEXT} characters`)
      .nullable()
      .openapi({ description: 'Your status\'s text, trimmed; "" or null for none' }),
    status_until: z.iso
      .datetime({ offset: true })
      .refine((at) => Date.parse(at) > Date.now(), "must be in the future")
      .nullable()
      .openapi({ description: "When your status ends by itself; null or left out: when you clear it" }),
  })
  .partial()
  .strict();

/** SQLite's LIKE ends a pattern at a NUL, so a term holding one would match everyone. */
const searchTerm = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\0]*$/, "must not contain a NUL character");

const AvailableQuery = z.object({
  full_name: searchTerm(150).optional(),
  email: searchTerm(254).optional(),
});

const ProfilesQuery = pageQuery.extend({
  full_name: searchTerm(150)
    .optional()
    .openapi({ description: "Only users whose username, first, last or full name holds this (any case)" }),
});

const ProfileId = z.object({ id: idParam });

/** Most users a search answers with; the original had no bound at all. */
const AVAILABLE_USERS_LIMIT = 500;

/** Answers a write that lost a race for a username or email as the earlier check would. */
export function refuseTaken(err: unknown): never {
  const taken = identityConflict(err);
  if (taken) throw invalid("That username or email is taken.", taken);
  throw err;
}

type Changes = z.infer<typeof ProfileChanges>;

/**
 * A status is set as a whole, as Slack's: a change naming any of its fields sets all three
 * (one left out is cleared), so an old emoji never reappears beside a new text.
 */
function statusChanges(changes: Changes) {
  const { status_emoji, status_text, status_until } = changes;
  if (status_emoji === undefined && status_text === undefined && status_until === undefined) return {};
  const statusEmoji = (status_emoji && reactionEmoji(status_emoji)) || null;
  // One line wherever it shows: a newline or a run of spaces reads as one space.
  const statusText = status_text?.replace(/\s+/g, " ") || null;
  if (status_until && !statusEmoji && !statusText) {
    throw invalid("A status that ends needs an emoji or a text.", { status_until: "needs a status emoji or text" });
  }
  return { statusEmoji, statusText, statusUntil: status_until ? new Date(status_until).toISOString() : null };
}

/** Your own profile, with what only you see of it. */
async function ownAnswer(env: Env, url: string, row: UserRow) {
  return { ...(await userAnswer(env, originOf(url), row)), dnd_until: row.dndUntil };
}

function assertSelfOrSuperuser(caller: UserRow, id: number) {
  if (!isSelfOrSuperuser(caller, id)) throw forbidden("You can only change your own profile.");
}

async function existingUser(env: Env, id: number, caller: UserRow): Promise<UserRow> {
  const user = await findUser(database(env), id);
  // Inactive users are visible to superusers only, who may reactivate them.
  if (!user || !canSeeProfile(caller, user)) throw notFound("User not found.");
  return user;
}

export const profiles = createApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/profiles/get_available_users",
      operationId: "listAvailableUsers",
      tags: ["Profiles"],
      summary: "Everyone you can chat with: all active users but you, optionally searched",
      request: { query: AvailableQuery },
      responses: { 200: json(z.array(UserSchema), "Matching users, by id"), ...errors(400, 401) },
    }),
    async (c) => {
      const { full_name, email } = c.req.valid("query");
      const rows = await availableUsers(
        database(c.env),
        c.var.user.id,
        { fullName: full_name, email },
        AVAILABLE_USERS_LIMIT,
      );
      return c.json(await userAnswers(c.env, originOf(c.req.url), rows), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/profiles/me",
      operationId: "getMyProfile",
      tags: ["Profiles"],
      summary: "Your own profile",
      responses: { 200: json(UserSchema, "You"), ...errors(401) },
    }),
    async (c) => c.json(await ownAnswer(c.env, c.req.url, c.var.user), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/profiles",
      operationId: "listProfiles",
      tags: ["Profiles"],
      summary: "All users, a page at a time (limit/offset, 100 a page), optionally searched by name",
      request: { query: ProfilesQuery },
      responses: { 200: json(pageSchema(UserSchema), "A page of users"), ...errors(400, 401) },
    }),
    async (c) => {
      const { full_name, ...page } = c.req.valid("query");
      const { rows, total } = await listUsers(database(c.env), page, seesInactiveUsers(c.var.user), full_name);
      const results = await userAnswers(c.env, originOf(c.req.url), rows);
      return c.json(paginated(c.req.url, page, total, results), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/profiles/{id}",
      operationId: "getProfile",
      tags: ["Profiles"],
      summary: "One user",
      request: { params: ProfileId },
      responses: { 200: json(UserSchema, "The user"), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const user = await existingUser(c.env, c.req.valid("param").id, c.var.user);
      return c.json(await userAnswer(c.env, originOf(c.req.url), user), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/profiles/{id}",
      operationId: "changeProfile",
      tags: ["Profiles"],
      summary: "Change a profile: your own, or anyone's as a superuser",
      description:
        "A new `password` needs `current_password` unless a superuser sets someone else's; it is stored hashed and signs out every other session. Only superusers change `is_active` and `is_superuser`. A status is set as a whole: a change with any of `status_emoji`, `status_text` and `status_until` sets all three, and one left out is cleared.",
      request: { params: ProfileId, ...jsonBody(ProfileChanges) },
      responses: { 200: json(UserSchema, "The changed user"), ...errors(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const caller = c.var.user;
      const id = c.req.valid("param").id;
      assertSelfOrSuperuser(caller, id);
      const user = await existingUser(c.env, id, caller);
      const changes = c.req.valid("json");
      const db = database(c.env);

      if (changes.dnd_until !== undefined && caller.id !== id) {
        throw forbidden("Only you can set your do-not-disturb.");
      }
      if ((changes.is_active !== undefined || changes.is_superuser !== undefined) && !canSetAccountFlags(caller)) {
        throw forbidden("Only a superuser can change is_active or is_superuser.");
      }
      if ((changes.is_active === false || changes.is_superuser === false) && caller.id === id) {
        throw invalid("You cannot deactivate or demote yourself.", {
          [changes.is_active === false ? "is_active" : "is_superuser"]: "cannot be turned off on your own account",
        });
      }
      const taken = await takenIdentity(db, changes, id);
      if (Object.keys(taken).length > 0) throw invalid("That username or email is taken.", taken);

      let passwordHash: string | undefined;
      if (changes.password !== undefined) {
        const settingOwn = caller.id === id;
        if (settingOwn) {
          const current = changes.current_password ?? "";
          if ((await verifyPassword(current, user.password)) !== "match") {
            throw invalid("The current password is wrong.", { current_password: "does not match your password" });
          }
        }
        passwordHash = await hashPassword(changes.password);
      }

      const values = {
        username: changes.username,
        firstName: changes.first_name,
        lastName: changes.last_name,
        email: changes.email,
        password: passwordHash,
        isActive: changes.is_active,
        isSuperuser: changes.is_superuser,
        dndUntil:
          changes.dnd_until === undefined ? undefined : changes.dnd_until && new Date(changes.dnd_until).toISOString(),
        ...statusChanges(changes),
      };
      const answer = (row: UserRow) =>
        caller.id === id ? ownAnswer(c.env, c.req.url, row) : userAnswer(c.env, originOf(c.req.url), row);
      // Drizzle refuses an UPDATE with nothing to set; a PATCH that changes nothing is no error.
      if (Object.values(values).every((value) => value === undefined)) return c.json(await answer(user), 200);
      // A new password, or a deactivation, ends every session that held the old one.
      const signOut = passwordHash !== undefined || changes.is_active === false;
      const updated = await changeUser(db, id, values, { signOut }).catch(refuseTaken);
      if (changes.is_active === false) {
        if (user.isActive) await recordAudit(db, { actorId: caller.id, action: "user_deactivated", targetUserId: id });
        await announceDeactivated(c.env, db, id);
      }
      if (changes.username !== undefined && changes.username !== user.username)
        await announceUsernameChanged(c.env, db, id);
      return c.json(await answer(updated), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/profiles/{id}",
      operationId: "deactivateProfile",
      tags: ["Profiles"],
      summary: "Deactivate a user: yourself, or anyone as a superuser (but not yourself as one)",
      request: { params: ProfileId },
      responses: { 204: { description: "Deactivated; their sessions end" }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      assertSelfOrSuperuser(c.var.user, id);
      // As PATCH refuses it: the last superuser must not be able to lock everyone out.
      if (c.var.user.isSuperuser && c.var.user.id === id) {
        throw invalid("A superuser cannot deactivate themselves; another superuser can.", {
          id: "is your own account",
        });
      }
      const user = await existingUser(c.env, id, c.var.user);
      const db = database(c.env);
      await deactivateUser(db, id);
      if (user.isActive)
        await recordAudit(db, { actorId: c.var.user.id, action: "user_deactivated", targetUserId: id });
      await announceDeactivated(c.env, db, id);
      return c.body(null, 204);
    },
  );

/** Sign-up, on the API's public list: its caller may be nobody, so it has its own sub-app. */
export const signUp = createPublicApp().openapi(
  createRoute({
    method: "post",
    path: "/profiles",
    operationId: "createProfile",
    tags: ["Profiles"],
    summary: "Create a user: superusers, or anyone when ALLOW_SIGNUP is on",
    // The token is optional: anyone may sign up when ALLOW_SIGNUP is on.
    security: [{}, { bearer: [] }] as Record<string, string[]>[],
    middleware: [optionalUser()] as const,
    request: jsonBody(NewUser),
    responses: { 201: json(UserSchema, "The new user"), ...errors(400, 401, 403, 415) },
  }),
  async (c) => {
    const caller = c.var.user;
    if (!canCreateUser(caller, c.env.ALLOW_SIGNUP === "true")) {
      if (!caller) throw new ApiError(401, "Authentication credentials were not provided.", "not_authenticated");
      throw forbidden("Only a superuser can create users.");
    }
    const input = c.req.valid("json");
    const db = database(c.env);
    const taken = await takenIdentity(db, input);
    if (Object.keys(taken).length > 0) throw invalid("That username or email is taken.", taken);
    const created = await createUser(db, {
      username: input.username,
      email: input.email,
      firstName: input.first_name,
      lastName: input.last_name,
      password: await hashPassword(input.password),
    }).catch(refuseTaken);
    await announceNewUser(c.env, db, created, originOf(c.req.url));
    return c.json(await userAnswer(c.env, originOf(c.req.url), created), 201);
  },
);
