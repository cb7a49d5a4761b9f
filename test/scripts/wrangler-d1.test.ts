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
    const rename = `UPDATE rooms SET title = ${sqlText("lunch; again")} WHERE id = 1`;
    const block = (first: number) =>
      `INSERT INTO message_blocks (first_id, end_id, room_id) VALUES (${first}, ${first + 16}, 1)`;
    const counts =
      "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM rooms) AS rooms, (SELECT count(*) FROM message_blocks) AS blocks";

    expect(() => executeFile(target, [user, room, member, rename, block(1), block(1)])).toThrow(
      /UNIQUE constraint failed: message_blocks.first_id/,
    );
    expect(execute(target, [counts])[0]).toEqual([{ users: 0, rooms: 0, blocks: 0 }]);

    executeFile(target, [user, room, member, rename, block(1), block(17)]);
    expect(execute(target, [counts])[0]).toEqual([{ users: 1, rooms: 1, blocks: 2 }]);
    expect(execute(target, ["SELECT title FROM rooms"])[0]).toEqual([{ title: "lunch; again" }]);
  });
});
