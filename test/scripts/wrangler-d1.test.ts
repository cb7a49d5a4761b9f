/**
 * The admin commands' way to D1, against a real local D1 in a temporary state directory:
 * an SQL file is one transaction, which is what keeps an imported room whole.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, type D1Target, execute, executeFile, sqlText } from "../../scripts/wrangler-d1.ts";

const target: D1Target = { remote: false, persistTo: mkdtempSync(path.join(tmpdir(), "condor-d1-")) };

beforeAll(() => {
  applyMigrations(target);
});

afterAll(() => rmSync(target.persistTo!, { recursive: true, force: true }));

describe("executeFile", () => {
  it("writes nothing of a file whose last statement fails, and everything of one that succeeds", () => {
    const user = `INSERT INTO users (id, username, password, date_joined) VALUES (1, ${sqlText("ann")}, 'x', '2020-01-01T00:00:00Z')`;
    const room = `INSERT INTO rooms (id, title, is_group, created_at) VALUES (1, ${sqlText("lunch")}, 1, '2020-01-01T00:00:00Z')`;
    const member =
      "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (1, 1, 'owner', '2020-01-01T00:00:00Z')";
    const message = (id: number) =>
      `INSERT INTO messages (id, room_id, sender_id, content, created_at) VALUES (${id}, 1, 1, ${sqlText("hi; there")}, '2020-01-01T00:00:00Z')`;
    const counts =
      "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM rooms) AS rooms, (SELECT count(*) FROM messages) AS messages";

    expect(() => executeFile(target, [user, room, member, message(1), message(1)])).toThrow(
      /UNIQUE constraint failed: messages.id/,
    );
    expect(execute(target, [counts])[0]).toEqual([{ users: 0, rooms: 0, messages: 0 }]);

    executeFile(target, [user, room, member, message(1), message(2)]);
    expect(execute(target, [counts])[0]).toEqual([{ users: 1, rooms: 1, messages: 2 }]);
  });
});
