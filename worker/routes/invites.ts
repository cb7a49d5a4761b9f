/**
 * Invite links: superusers (everyone, when INVITES_BY_ANYONE is "true") make links that
 * let someone make their own account, list and revoke them. Looking a link up and
 * accepting it are on the API's public list, throttled as signing in is: a wrong code
 * counts as a failed sign-in from that address.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Database, database } from "../../core/db";
import {
  acceptInvite,
  createInvite,
  findInvite,
  invitedAccount,
  inviteState,
  listInvites,
  openInvitedAccount,
  revokeInvite,
} from "../../core/db/invites";
import type { InviteRow } from "../../core/db/schema";
import { signInStatement, takenIdentity } from "../../core/db/users";
import { ApiError, forbidden, invalid, notFound } from "../../core/errors";
import { canCreateInvite, canManageInvite, seesAllInvites } from "../../core/policy";
import { originOf } from "../../core/shapes";
import { createApp, createPublicApp } from "../app";
import { hashInviteCode, isInviteId, newInviteCode } from "../auth/invite-codes";
import { assertLoginAllowed, recordLoginFailure } from "../auth/login-throttle";
import { hashPassword } from "../auth/passwords";
import { issueTokenPair } from "../auth/tokens";
import { errors, json, jsonBody } from "../openapi";
import { announceNewUser, announceUsernameChanged } from "../rooms/announcements";
import { NewUser, refuseTaken } from "./profiles";
import { modeHeader, TokenPair, tokenAnswer } from "./tokens";

const DAY_SECONDS = 24 * 60 * 60;
export const DEFAULT_INVITE_SECONDS = 7 * DAY_SECONDS;
const MAX_INVITE_SECONDS = 90 * DAY_SECONDS;
const MAX_INVITE_USES = 10_000;

const NewInvite = z.object({
  expires_in: z
    .number()
    .int()
    .min(60)
    .max(MAX_INVITE_SECONDS)
    .default(DEFAULT_INVITE_SECONDS)
    .openapi({ description: "Seconds until the link stops working; 7 days unless given" }),
  max_uses: z
    .number()
    .int()
    .min(1)
    .max(MAX_INVITE_USES)
    .nullable()
    .default(null)
    .openapi({ description: "How many accounts the link makes; null (the default) is no limit" }),
});

const InviteSchema = z
  .object({
    id: z.string().openapi({ description: "The SHA-256 of the code: names the invite, cannot be accepted" }),
    created_by: z.number().int(),
    created_at: z.string(),
    expires_at: z.string(),
    uses_left: z.number().int().nullable().openapi({ description: "null: no limit" }),
  })
  .openapi("Invite");
const NewInviteAnswer = InviteSchema.extend({
  code: z.string().openapi({ description: "Shown this once: only its hash is kept" }),
  url: z.string().openapi({ description: "The page that accepts it: /join/<code>" }),
}).openapi("NewInvite");
const InviteLookup = z
  .object({
    expires_at: z.string(),
    uses_left: z.number().int().nullable(),
    username: z
      .string()
      .optional()
      .openapi({ description: "The account the link opens (one an import made); absent when it makes a new one" }),
  })
  .openapi("InviteLookup");

const codeParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "is not an invite code");
const CodePath = z.object({ code: codeParam });
const CodeOrIdPath = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "is not an invite code or id")
    .openapi({ description: "The invite's code, or its id from the list" }),
});

const toInvite = (invite: InviteRow) => ({
  id: invite.codeHash,
  created_by: invite.createdBy,
  created_at: invite.createdAt,
  expires_at: invite.expiresAt,
  uses_left: invite.usesLeft,
});

const UNUSABLE: Record<Exclude<ReturnType<typeof inviteState>, "usable">, string> = {
  revoked: "This invite link was revoked. Ask for a new one.",
  expired: "This invite link has expired. Ask for a new one.",
  used_up: "This invite link has been used as often as it may. Ask for a new one.",
};

/** Who is presenting a code, for the throttle; no username can hold a colon, so keys never meet. */
const presenter = (c: Context, codeHash: string) => ({
  username: `invite:${codeHash.slice(0, 32)}`,
  address: c.req.header("cf-connecting-ip") ?? "local",
});

/**
 * The usable invite a presented code names: 429 while its presenter is throttled, 404
 * for no such code, 410 for one revoked, expired or used up (each counted as a failure).
 */
async function usableInvite(c: Context, db: Database, code: string): Promise<InviteRow> {
  const codeHash = await hashInviteCode(code);
  const who = presenter(c, codeHash);
  await assertLoginAllowed(db, who);
  const invite = await findInvite(db, codeHash);
  const state = invite ? inviteState(invite) : undefined;
  if (invite && state === "usable") return invite;
  await recordLoginFailure(db, who);
  if (!state) throw notFound("This invite link is not valid. Check that it was copied whole.");
  throw new ApiError(410, UNUSABLE[state as keyof typeof UNUSABLE], "gone");
}

export const invites = createApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/invites",
      operationId: "createInvite",
      tags: ["Invites"],
      summary: "Make an invite link (superusers; everyone when INVITES_BY_ANYONE is on)",
      request: jsonBody(NewInvite),
      responses: { 201: json(NewInviteAnswer, "The link; its code is shown only now"), ...errors(400, 401, 403, 415) },
    }),
    async (c) => {
      if (!canCreateInvite(c.var.user, c.env.INVITES_BY_ANYONE === "true")) {
        throw forbidden("Only a superuser can make invite links.");
      }
      const { expires_in, max_uses } = c.req.valid("json");
      const code = newInviteCode();
      const invite = await createInvite(database(c.env), {
        codeHash: await hashInviteCode(code),
        createdBy: c.var.user.id,
        expiresAt: new Date(Date.now() + expires_in * 1000).toISOString(),
        usesLeft: max_uses,
      });
      return c.json({ ...toInvite(invite), code, url: `${originOf(c.req.url)}/join/${code}` }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invites",
      operationId: "listInvites",
      tags: ["Invites"],
      summary: "The invite links not revoked: yours, or everyone's for a superuser, the newest first",
      responses: { 200: json(z.array(InviteSchema), "Invites, without their codes"), ...errors(401) },
    }),
    async (c) => {
      const rows = await listInvites(database(c.env), seesAllInvites(c.var.user) ? undefined : c.var.user.id);
      return c.json(rows.map(toInvite), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/invites/{code}",
      operationId: "revokeInvite",
      tags: ["Invites"],
      summary: "Revoke an invite link: yours, or anyone's as a superuser",
      request: { params: CodeOrIdPath },
      responses: { 204: { description: "Revoked: the link no longer works" }, ...errors(400, 401, 404) },
    }),
    async (c) => {
      const { code } = c.req.valid("param");
      const db = database(c.env);
      const invite = await findInvite(db, isInviteId(code) ? code : await hashInviteCode(code));
      // Someone else's invite is as absent as none.
      if (!invite || !canManageInvite(c.var.user, invite)) throw notFound("No such invite.");
      await revokeInvite(db, invite.codeHash);
      return c.body(null, 204);
    },
  );

/** Looking up and accepting a link, on the API's public list. */
export const inviteAcceptance = createPublicApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/invites/{code}",
      operationId: "lookUpInvite",
      tags: ["Invites"],
      security: [],
      summary: "Whether an invite link still works, before filling in the account",
      request: { params: CodePath },
      responses: { 200: json(InviteLookup, "It works"), ...errors(400, 404, 410, 429) },
    }),
    async (c) => {
      const db = database(c.env);
      const invite = await usableInvite(c, db, c.req.valid("param").code);
      const account = await invitedAccount(db, invite.codeHash);
      const answer = { expires_at: invite.expiresAt, uses_left: invite.usesLeft };
      return c.json(account ? { ...answer, username: account.username } : answer, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invites/{code}/accept",
      operationId: "acceptInvite",
      tags: ["Invites"],
      security: [],
      summary: "Make your account with an invite link, join the default rooms, and sign in",
      description:
        "A link an import made for one of its people (its lookup names the `username`) opens that account instead, with its history: it sets the account's username and password, and the names and email given (empty ones stay as imported).",
      request: { params: CodePath, ...jsonBody(NewUser), ...modeHeader },
      responses: {
        201: json(TokenPair, "The new account's tokens, as signing in answers them"),
        ...errors(400, 404, 410, 415, 429),
      },
    }),
    async (c) => {
      const db = database(c.env);
      const invite = await usableInvite(c, db, c.req.valid("param").code);
      const input = c.req.valid("json");
      // An invite an import gave its person opens their account, history and all.
      const account = await invitedAccount(db, invite.codeHash);
      const taken = await takenIdentity(db, input, account?.id);
      if (Object.keys(taken).length > 0) throw invalid("That username or email is taken.", taken);
      const values = {
        username: input.username,
        email: input.email,
        firstName: input.first_name,
        lastName: input.last_name,
        password: await hashPassword(input.password),
      };
      const user = await (account
        ? openInvitedAccount(db, invite.codeHash, account.id, values)
        : acceptInvite(db, invite.codeHash, values)
      ).catch(refuseTaken);
      if (!user) {
        // Used up, revoked or expired between the check and the write.
        const now = await findInvite(db, invite.codeHash);
        const state = now ? inviteState(now) : "revoked";
        throw new ApiError(410, UNUSABLE[state === "usable" ? "used_up" : state], "gone");
      }
      if (!account) await announceNewUser(c.env, db, user, originOf(c.req.url));
      else if (account.username !== user.username) await announceUsernameChanged(c.env, db, user.id);
      const pair = await issueTokenPair(c.env, db, user.id, { also: [signInStatement(db, user)] });
      return c.json(tokenAnswer(c, pair), 201);
    },
  );
