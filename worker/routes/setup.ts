/**
 * First-run setup, on the API's public list: while no user exists, anyone may make the
 * first administrator (once; 409 after, also for the loser of a race) and is signed in.
 * The administrator gets "General", an open room every new user joins.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../core/db";
import { createFirstAdmin, setupNeeded } from "../../core/db/setup";
import { signInStatement } from "../../core/db/users";
import { ApiError } from "../../core/errors";
import { originOf } from "../../core/shapes";
import { createPublicApp } from "../app";
import { hashPassword } from "../auth/passwords";
import { issueTokenPair } from "../auth/tokens";
import { errors, json, jsonBody } from "../openapi";
import { announceNewUser } from "../rooms/announcements";
import { NewUser } from "./profiles";
import { modeHeader, TokenPair, tokenAnswer } from "./tokens";

const SetupState = z.object({ needed: z.boolean().openapi({ description: "No user exists yet" }) });

const alreadySetUp = () => new ApiError(409, "This installation is set up already: sign in instead.", "conflict");

export const setup = createPublicApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/setup",
      operationId: "getSetupState",
      tags: ["Setup"],
      security: [],
      summary: "Whether the installation still needs its first administrator",
      // It takes no input, so never fails with a 400; the lint wants a 4xx documented for every route.
      responses: { 200: json(SetupState, "Whether setup is needed"), ...errors(400) },
    }),
    async (c) => c.json({ needed: await setupNeeded(database(c.env)) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/setup",
      operationId: "setUp",
      tags: ["Setup"],
      security: [],
      summary: "Create the first administrator and the General room, and sign in as them (once only)",
      request: { ...jsonBody(NewUser), ...modeHeader },
      responses: {
        201: json(TokenPair, "The administrator's access and refresh tokens, as signing in answers them"),
        ...errors(400, 409, 415),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const db = database(c.env);
      // The cheap check spares the hashing when setup is long done; the batch decides races.
      if (!(await setupNeeded(db))) throw alreadySetUp();
      const admin = await createFirstAdmin(db, {
        username: input.username,
        email: input.email,
        firstName: input.first_name,
        lastName: input.last_name,
        password: await hashPassword(input.password),
      });
      // No username or email can be taken yet: a setup that lost a race made nothing at all.
      if (!admin) throw alreadySetUp();
      await announceNewUser(c.env, db, admin, originOf(c.req.url));
      const pair = await issueTokenPair(c.env, db, admin.id, { also: [signInStatement(db, admin)] });
      return c.json(tokenAnswer(c, pair), 201);
    },
  );
