/**
 * `npm run manage`, run for real: each test spawns the command as a person would, against
 * a local D1 in a temporary state directory, and reads the rows back with wrangler.
 * Every wrangler call takes a second or two, so the tests share one database: a superuser
 * made once, then the commands that must refuse or change something around it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute, type Row } from "../../scripts/wrangler-d1.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const state = mkdtempSync(path.join(tmpdir(), "condor-manage-"));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns a node script from the project root with no terminal attached. */
function run(script: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const manage = (...args: string[]) => run("scripts/manage.ts", [...args, "--persist-to", state]);

/** Runs SQL on the test's local D1 with wrangler itself and returns the last statement's rows. */
const query = async (sql: string): Promise<Row[]> => execute({ remote: false, persistTo: state }, [sql]).at(-1) ?? [];

let alice: Outcome;

beforeAll(async () => {
  alice = await manage(
    "createsuperuser",
    "--username",
    "alice",
    "--email",
    "alice@example.com",
    "--first-name",
    "Alice",
    "--last-name",
    "Liddell",
    "--password",
    "wonderland",
  );
});

afterAll(() => rmSync(state, { recursive: true, force: true }));

describe("createsuperuser", () => {
  it("migrates a fresh local D1 and stores a superuser with a Django-format hash", async () => {
    expect(alice).toMatchObject({ code: 0, stderr: "" });
    expect(alice.stdout).toContain("Applied the pending migrations to the local D1.");
    expect(alice.stdout).toContain("Superuser 'alice' created (id 1).");
    const [row] = await query("SELECT * FROM users WHERE id = 1");
    expect(row).toMatchObject({
      username: "alice",
      email: "alice@example.com",
      first_name: "Alice",
      last_name: "Liddell",
      is_superuser: 1,
      is_active: 1,
    });
    expect(row.password).toMatch(/^pbkdf2_sha256\$100000\$\w+\$[A-Za-z0-9+/]+=*$/);
  });

  it("refuses a username that is taken in another case, with exit code 1", async () => {
    const outcome = await manage("createsuperuser", "--username", "ALICE", "--password", "secret1");
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("User not created: the username 'ALICE' is already taken.");
  });
});

describe("createuser", () => {
  it("refuses an email another user has, whatever its case", async () => {
    const outcome = await manage(
      "createuser",
      "--username",
      "bob",
      "--email",
      "Alice@Example.com",
      "--password",
      "secret1",
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("User not created: the email 'Alice@Example.com' is already taken.");
  });

  it("puts the new user into the rooms marked default", async () => {
    const [{ id: room }] = await query(
      "INSERT INTO rooms (title, is_group, created_at, is_open, is_default) VALUES ('General', 1, '2026-01-01', 1, 1) RETURNING id",
    );
    const outcome = await manage("createuser", "--username", "dana", "--password", "secret1");
    expect(outcome.code).toBe(0);
    const rows = await query(
      "SELECT m.room_id FROM room_members m JOIN users u ON u.id = m.user_id WHERE u.username = 'dana'",
    );
    expect(rows).toEqual([{ room_id: room }]);
  });

  it("stores quotes and SQL in values as plain text, in the --name=value form", async () => {
    const lastName = "'); DROP TABLE users; --";
    const outcome = await manage(
      "createuser",
      "--username=obrien",
      "--email=o'brien@example.com",
      "--first-name=O'Brien",
      `--last-name=${lastName}`,
      "--password=it's a secret",
    );
    expect(outcome).toMatchObject({ code: 0, stderr: "" });
    expect(outcome.stdout).toMatch(/^User 'obrien' created \(id \d+\)\.$/m);
    const [row] = await query("SELECT email, first_name, last_name, is_superuser FROM users WHERE username = 'obrien'");
    expect(row).toEqual({
      email: "o'brien@example.com",
      first_name: "O'Brien",
      last_name: lastName,
      is_superuser: 0,
    });
  });

  it("refuses an invalid email, username or password before touching the database", async () => {
    const badEmail = await manage("createuser", "--username", "bob", "--email", "bob@", "--password", "secret1");
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toContain("--email is not a valid email address.");
    const badUsername = await manage("createuser", "--username", "o'brien", "--password", "secret1");
    expect(badUsername.code).toBe(1);
    expect(badUsername.stderr).toContain("--username may contain only letters, digits and @ . + - _.");
    const shortPassword = await manage("createuser", "--username", "bob", "--password", "12345");
    expect(shortPassword.code).toBe(1);
    expect(shortPassword.stderr).toContain("--password must be at least 6 characters.");
  });

  it("exits with code 2 when required options are missing and no terminal is attached", async () => {
    const outcome = await manage("createuser", "--email", "bob@example.com");
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain("--username and --password are required without a terminal or with --no-input.");
  });
});

describe("changepassword", () => {
  it("replaces the stored hash and revokes the user's refresh tokens", async () => {
    const [before] = await query(
      "INSERT INTO refresh_tokens (jti, user_id, expires_at) VALUES ('a', 1, 0), ('b', 1, 0); SELECT password FROM users WHERE id = 1",
    );
    const outcome = await manage("changepassword", "Alice", "--password", "looking-glass");
    expect(outcome).toMatchObject({ code: 0, stderr: "" });
    expect(outcome.stdout).toContain("Password changed for 'alice'; 2 refresh token(s) revoked.");
    const [after] = await query(
      "SELECT password, (SELECT count(*) FROM refresh_tokens WHERE user_id = 1) AS tokens FROM users WHERE id = 1",
    );
    expect(after.password).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect(after.password).not.toBe(before.password);
    expect(after.tokens).toBe(0);
  });

  it("refuses a user that does not exist, quotes and all", async () => {
    const outcome = await manage("changepassword", "o'brien", "--password", "secret1");
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("User 'o'brien' does not exist.");
  });

  it("exits with code 2 without a username", async () => {
    const outcome = await manage("changepassword", "--password", "secret1");
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain("changepassword needs a username");
  });
});

describe("usage", () => {
  it("prints the commands for help", async () => {
    const outcome = await run("scripts/manage.ts", ["help"]);
    expect(outcome.code).toBe(0);
    for (const command of [
      "createsuperuser",
      "createuser",
      "changepassword <username>",
      "import-condor <dumpdata.json>",
      "move-history",
      "export-room <id>",
      "--remote",
      "--persist-to",
      "--url <address>",
      "CONDOR_ADMIN_TOKEN",
    ]) {
      expect(outcome.stdout).toContain(command);
    }
  });

  it("exits with code 2 for an unknown command or option", async () => {
    const unknownCommand = await run("scripts/manage.ts", ["migrate"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("Unknown command 'migrate'.");
    const unknownOption = await manage("createuser", "--admin");
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--admin'");
  });
});
