/**
 * `npm run manage -- <command>`: the admin commands of the original's manage.py, and the
 * moves of history in and out of the rooms, acting on the local installation that `npm start`
 * uses, or on the deployed one with --remote. D1 is reached through wrangler; the rooms'
 * objects through the worker's admin routes (scripts/worker-admin.ts).
 *
 * Exit codes: 0 done; 1 refused (an invalid or taken value, an unknown user, a D1 error);
 * 2 wrong usage (unknown command or option, a required value missing with nobody to ask).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { z } from "zod";
import { hashPassword } from "../worker/auth/passwords.ts";
import * as fields from "../worker/profile-fields.ts";
import { exportRoom } from "./export-room.ts";
import { importCondor } from "./import-condor/index.ts";
import { importSlack } from "./import-slack/index.ts";
import { DEFAULT_MOVE_BATCH, moveHistory } from "./move-history.ts";
import { ask, askHidden, canPrompt } from "./terminal-prompt.ts";
import { applyMigrations, type D1Target, execute, sqlText } from "./wrangler-d1.ts";

const USAGE = `Usage: npm run manage -- <command> [options]

Commands:
  createsuperuser            create a user who may change every profile and room
  createuser                 create an ordinary user
  changepassword <username>  set a user's password and revoke their refresh tokens
  import-condor <dumpdata.json>
                             bring users, passwords, rooms, messages and avatars over
                             from the original condor_chat, or a room from export-room
                             (see README.md)
  import-slack <export.zip>  bring users, channels, group DMs, DMs and their messages over
                             from a Slack export; the new people get invite links
                             (see README.md)
  move-history               move D1's messages and read positions into their rooms, once,
                             on an installation from before the rooms kept their own, then
                             drop them from D1 (see README.md); safe to stop and run again
  export-room <id>           a room's members and messages as JSON, in the shape
                             import-condor reads
  help                       show this text

Options of createsuperuser and createuser:
  --username <name>          1 to 32 letters, digits and @ . + - _; unique whatever the case
  --email <address>          optional; unique when given
  --first-name <name>        optional
  --last-name <name>         optional
  --password <password>      6 to 100 characters

Options of changepassword:
  --password <password>      6 to 100 characters

Options of import-condor:
  --media <dir>              the original's MEDIA_ROOT, for the avatars
  --dry-run                  print what would be created and skipped, and why; write nothing

Options of import-slack:
  --dry-run                  print what would be created and skipped, and why; write nothing

Options of move-history:
  --batch <n>                messages one request moves, 1 to 500 (default ${DEFAULT_MOVE_BATCH})

Options of export-room:
  --out <file>               write the export there instead of to the standard output
  --with-passwords           keep the members' password hashes; without it they have none
                             after an import and must be given one (changepassword)

Options of the commands that reach the rooms (import-condor, import-slack, move-history,
export-room):
  --url <address>            the worker to go through; with --remote it is required (or
                             set CONDOR_URL), and CONDOR_ADMIN_TOKEN must hold its
                             ADMIN_TOKEN. Locally the default is the worker npm start runs,
                             else one started on the local state for the command

Options of every command:
  --remote                   act on the deployed installation instead of the local one
  --persist-to <dir>         the local state directory (default: wrangler's .wrangler/state)
  --no-input                 never ask; a missing required value is an error (exit code 2)

Options may also be written --name=value. In a terminal, missing values are asked for, the
password twice and hidden. A password given as an option shows in the process list to
other users of the machine: leave it out to be asked for it.

Exit codes: 0 done, 1 refused, 2 wrong usage.`;

/** Wrong usage: exit code 2, as argument parsers use. */
class UsageError extends Error {}

/** What is wrong with a value, by the API's rules (worker/profile-fields.ts), if anything. */
type Rule = (value: string) => string | undefined;

const ruleOf =
  (schema: z.ZodType<string>): Rule =>
  (value) =>
    schema.safeParse(value).error?.issues[0]?.message;
const rules = {
  username: ruleOf(fields.username),
  email: ruleOf(fields.email),
  name: ruleOf(fields.personName),
  password: ruleOf(fields.password),
} satisfies Record<string, Rule>;

const COMMON_OPTIONS = {
  remote: { type: "boolean" },
  "persist-to": { type: "string" },
  "no-input": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

const NEW_USER_OPTIONS = {
  ...COMMON_OPTIONS,
  username: { type: "string" },
  email: { type: "string" },
  "first-name": { type: "string" },
  "last-name": { type: "string" },
  password: { type: "string" },
} satisfies ParseArgsConfig["options"];

const CHANGE_PASSWORD_OPTIONS = {
  ...COMMON_OPTIONS,
  password: { type: "string" },
} satisfies ParseArgsConfig["options"];

const IMPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  url: { type: "string" },
  media: { type: "string" },
  "dry-run": { type: "boolean" },
} satisfies ParseArgsConfig["options"];

const SLACK_OPTIONS = {
  ...COMMON_OPTIONS,
  url: { type: "string" },
  "dry-run": { type: "boolean" },
} satisfies ParseArgsConfig["options"];

const MOVE_OPTIONS = {
  ...COMMON_OPTIONS,
  url: { type: "string" },
  batch: { type: "string" },
} satisfies ParseArgsConfig["options"];

const EXPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  url: { type: "string" },
  out: { type: "string" },
  "with-passwords": { type: "boolean" },
} satisfies ParseArgsConfig["options"];

function parse<Options extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: Options) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Where to act, from the common options; the local database is migrated first, as
 * `npm start` does, unless the command must write nothing.
 */
function prepareTarget(values: { remote?: boolean; "persist-to"?: string }, migrate = true): D1Target {
  if (values.remote && values["persist-to"] !== undefined) {
    throw new UsageError("--persist-to is for the local D1; it cannot be combined with --remote.");
  }
  if (values.remote) return { remote: true };
  const target = { remote: false as const, persistTo: values["persist-to"] && path.resolve(values["persist-to"]) };
  if (!migrate) return target;
  const migrations = applyMigrations(target);
  if (migrations.applied) console.log("Applied the pending migrations to the local D1.");
  if (migrations.historyToMove)
    console.log("The local D1 still holds messages: `npm run manage -- move-history` moves them into their rooms.");
  return target;
}

/** Checks a value given as an option; a bad one is refused, not asked for again. */
function checkOption(option: string, value: string | undefined, rule: Rule): void {
  const problem = value === undefined ? undefined : rule(value);
  if (problem) throw new Error(`--${option} ${problem}.`);
}

function requireOptions(given: Record<string, string | undefined>, interactive: boolean): void {
  const missing = Object.keys(given).filter((option) => given[option] === undefined);
  if (missing.length > 0 && !interactive) {
    const list = missing.map((option) => `--${option}`).join(" and ");
    throw new UsageError(
      `${list} ${missing.length > 1 ? "are" : "is"} required without a terminal or with --no-input.`,
    );
  }
}

/** Asks until the answer passes the rule and, if given, the check against the database. */
async function askUntilValid(
  question: string,
  what: string,
  rule: Rule,
  check?: (value: string) => string | undefined,
) {
  for (;;) {
    const answer = await ask(question);
    const problem = rule(answer);
    const conflict = problem ? undefined : check?.(answer);
    if (!problem && !conflict) return answer;
    console.error(`Error: ${problem ? `the ${what} ${problem}` : conflict}.`);
  }
}

async function askNewPassword(): Promise<string> {
  for (;;) {
    const password = await askHidden("Password: ");
    if ((await askHidden("Password (again): ")) !== password) {
      console.error("Error: the two passwords differ.");
      continue;
    }
    const problem = rules.password(password);
    if (!problem) return password;
    console.error(`Error: the password ${problem}.`);
  }
}

/** One row: whether another user already has this username, or this (non-empty) email. */
function takenQuery(username: string, email: string): string {
  return `SELECT
    EXISTS (SELECT 1 FROM users WHERE username = ${sqlText(username)} COLLATE NOCASE) AS username_taken,
    EXISTS (SELECT 1 FROM users WHERE email <> '' AND lower(email) = lower(${sqlText(email)})) AS email_taken`;
}

function takenProblems(username: string, email: string, row: { username_taken?: unknown; email_taken?: unknown }) {
  const problems = [];
  if (row.username_taken) problems.push(`the username '${username}' is already taken`);
  if (row.email_taken) problems.push(`the email '${email}' is already taken`);
  return problems;
}

async function createUser(args: string[], superuser: boolean): Promise<void> {
  const { values, positionals } = parse(args, NEW_USER_OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'.`);
  const interactive = canPrompt() && !values["no-input"];
  checkOption("username", values.username, rules.username);
  checkOption("email", values.email, rules.email);
  checkOption("first-name", values["first-name"], rules.name);
  checkOption("last-name", values["last-name"], rules.name);
  checkOption("password", values.password, rules.password);
  requireOptions({ username: values.username, password: values.password }, interactive);
  const target = prepareTarget(values);

  // Asked for one by one, each checked as soon as it is typed, as Django's prompts do.
  const taken = (username: string, email: string) =>
    takenProblems(username, email, execute(target, [takenQuery(username, email)])[0][0])[0];
  const optional = async (question: string, what: string, rule: Rule, check?: (value: string) => string | undefined) =>
    interactive ? askUntilValid(`${question} (optional): `, what, rule, check) : "";
  const username =
    values.username ?? (await askUntilValid("Username: ", "username", rules.username, (answer) => taken(answer, "")));
  const email =
    values.email ??
    (await optional("Email address", "email address", rules.email, (answer) =>
      answer ? taken("", answer) : undefined,
    ));
  const firstName = values["first-name"] ?? (await optional("First name", "first name", rules.name));
  const lastName = values["last-name"] ?? (await optional("Last name", "last name", rules.name));
  const password = values.password ?? (await askNewPassword());

  // The check and the insert go in one call; the unique indexes, not the check, keep two
  // users apart, and OR IGNORE turns their refusal into "no row" instead of an error.
  // The new user joins the default rooms, named by the fresh hash: nobody else has its salt.
  const hash = await hashPassword(password);
  const at = sqlText(new Date().toISOString());
  const [[check], inserted] = execute(target, [
    takenQuery(username, email),
    `INSERT OR IGNORE INTO users (username, email, first_name, last_name, password, is_superuser, date_joined)
     VALUES (${[username, email, firstName, lastName, hash].map(sqlText).join(", ")},
             ${superuser ? 1 : 0}, ${at})
     RETURNING id`,
    `INSERT OR IGNORE INTO room_members (room_id, user_id, role, joined_at)
     SELECT r.id, u.id, 'member', ${at} FROM rooms r, users u WHERE r.is_default = 1 AND u.password = ${sqlText(hash)}`,
  ]);
  if (inserted.length === 0) {
    const problems = takenProblems(username, email, check);
    const reason = problems.length > 0 ? problems.join(" and ") : "its username or email was taken meanwhile";
    throw new Error(`User not created: ${reason}.`);
  }
  console.log(`${superuser ? "Superuser" : "User"} '${username}' created (id ${inserted[0].id}).`);
}

async function changePassword(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, CHANGE_PASSWORD_OPTIONS);
  if (values.help) return console.log(USAGE);
  const [username, ...extra] = positionals;
  if (username === undefined) throw new UsageError("changepassword needs a username: changepassword <username>.");
  if (extra.length > 0) throw new UsageError(`Unexpected argument '${extra[0]}'.`);
  const interactive = canPrompt() && !values["no-input"];
  checkOption("password", values.password, rules.password);
  requireOptions({ password: values.password }, interactive);
  const target = prepareTarget(values);

  const whereUser = `username = ${sqlText(username)} COLLATE NOCASE`;
  let password = values.password;
  if (password === undefined) {
    // Say an unknown user is unknown before asking for a password twice.
    const [[found]] = execute(target, [`SELECT username FROM users WHERE ${whereUser}`]);
    if (!found) throw new Error(`User '${username}' does not exist.`);
    console.log(`Changing the password of '${found.username}'.`);
    password = await askNewPassword();
  }

  // Signing out everywhere, as the API does on a password change: a stolen session ends too.
  const [updated, revoked] = execute(target, [
    `UPDATE users SET password = ${sqlText(await hashPassword(password))} WHERE ${whereUser} RETURNING username`,
    `DELETE FROM refresh_tokens WHERE user_id IN (SELECT id FROM users WHERE ${whereUser}) RETURNING jti`,
  ]);
  if (updated.length === 0) throw new Error(`User '${username}' does not exist.`);
  console.log(`Password changed for '${updated[0].username}'; ${revoked.length} refresh token(s) revoked.`);
}

async function importFromCondor(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, IMPORT_OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [dump, ...extra] = positionals;
  if (dump === undefined)
    throw new UsageError("import-condor needs the export: import-condor <dumpdata.json> [--media <dir>].");
  if (extra.length > 0) throw new UsageError(`Unexpected argument '${extra[0]}'.`);
  if (!existsSync(dump)) throw new Error(`No such file: ${dump}.`);
  if (values.media !== undefined && !existsSync(values.media)) throw new Error(`No such folder: ${values.media}.`);
  const dryRun = values["dry-run"] ?? false;
  await importCondor({ dump, media: values.media, target: prepareTarget(values, !dryRun), dryRun, url: values.url });
}

async function importFromSlack(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, SLACK_OPTIONS);
  if (values.help) return console.log(USAGE);
  const [zip, ...extra] = positionals;
  if (zip === undefined) throw new UsageError("import-slack needs the export: import-slack <export.zip>.");
  if (extra.length > 0) throw new UsageError(`Unexpected argument '${extra[0]}'.`);
  if (!existsSync(zip)) throw new Error(`No such file: ${zip}.`);
  const dryRun = values["dry-run"] ?? false;
  await importSlack({ zip, target: prepareTarget(values, !dryRun), dryRun, url: values.url });
}

async function moveHistoryCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, MOVE_OPTIONS);
  if (values.help) return console.log(USAGE);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'.`);
  const batch = values.batch === undefined ? DEFAULT_MOVE_BATCH : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 500)
    throw new UsageError("--batch takes a whole number from 1 to 500.");
  // The move applies the migrations itself: those before the drop of D1's history, and the drop after.
  await moveHistory({ target: prepareTarget(values, false), url: values.url, batch });
}

async function exportRoomCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, EXPORT_OPTIONS);
  if (values.help) return console.log(USAGE);
  const [id, ...extra] = positionals;
  if (id === undefined) throw new UsageError("export-room needs a room id: export-room <id>.");
  if (extra.length > 0) throw new UsageError(`Unexpected argument '${extra[0]}'.`);
  if (!/^\d{1,15}$/.test(id) || Number(id) < 1) throw new UsageError(`'${id}' is not a room id.`);
  await exportRoom({
    roomId: Number(id),
    target: prepareTarget(values, false),
    url: values.url,
    out: values.out,
    withPasswords: values["with-passwords"] ?? false,
  });
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === "help" || command === "--help" || command === "-h") {
      console.log(USAGE);
    } else if (command === "createsuperuser" || command === "createuser") {
      await createUser(rest, command === "createsuperuser");
    } else if (command === "changepassword") {
      await changePassword(rest);
    } else if (command === "import-condor") {
      await importFromCondor(rest);
    } else if (command === "import-slack") {
      await importFromSlack(rest);
    } else if (command === "move-history") {
      await moveHistoryCommand(rest);
    } else if (command === "export-room") {
      await exportRoomCommand(rest);
    } else {
      throw new UsageError(command === undefined ? "No command given." : `Unknown command '${command}'.`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    console.error(`Error: ${error.message}`);
    if (!(error instanceof UsageError)) return 1;
    console.error("Run `npm run manage -- help` for the commands and their options.");
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
