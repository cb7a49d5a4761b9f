import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomObject } from "../../../durable/room";
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from "../../../durable/room/schema";
import { MessageSearch } from "../../../durable/room/search";
import { MessageStore } from "../../../durable/room/store";

let nextRoom = 910_000;

/** Runs `work` on the storage of a fresh room object, its store's tables dropped first. */
async function withBareStorage(work: (storage: DurableObjectStorage) => void | Promise<void>) {
  await runInDurableObject(roomObject(env, { id: nextRoom++, jurisdiction: null }), async (_room, state) => {
    const { sql } = state.storage;
    sql.exec("DROP VIEW IF EXISTS message_text");
    for (const table of [
      "message_index",
      "messages",
      "id_block",
      "reads",
      "owed_counts",
      "news_told",
      "schema_version",
      "reactions",
      "uploads",
      "notes",
      "index_state",
    ])
      sql.exec(`DROP TABLE IF EXISTS ${table}`);
    await work(state.storage);
  });
}

/** The statements every room ran on opening before the store had versions: version 1's layout, unnumbered. */
const UNVERSIONED_V1 = `
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    sender_id INTEGER NOT NULL,
    client_id TEXT,
    created_at TEXT NOT NULL,
    content TEXT
  );
  CREATE UNIQUE INDEX IF NOT EXISTS messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS messages_uncopied ON messages (id) WHERE content IS NOT NULL;
  CREATE TABLE IF NOT EXISTS id_block (only INTEGER PRIMARY KEY CHECK (only = 1), first_id INTEGER NOT NULL, end_id INTEGER NOT NULL);
`;

/**
 * Every layout a store may be found in, oldest first, each with the rows it can hold and
 * what a search finds of them once migrated (texts still in the store, not deleted).
 */
const EARLIER_LAYOUTS: {
  name: string;
  version: number;
  make(sql: SqlStorage): void;
  rows: number;
  found: Record<string, number[]>;
}[] = [
  { name: "no tables (a room that never had a message)", version: 0, make: () => undefined, rows: 0, found: {} },
  {
    name: "version 1 as rooms hold it today, without schema_version",
    version: 1,
    make: (sql) => {
      sql.exec(UNVERSIONED_V1);
      sql.exec("INSERT INTO messages VALUES (5, 7, 'a', '2024-01-01T00:00:00.000Z', NULL)");
      sql.exec("INSERT INTO messages VALUES (6, 7, NULL, '2024-01-01T00:00:01.000Z', 'not in D1 yet')");
      sql.exec("INSERT INTO id_block VALUES (1, 1, 17)");
    },
    rows: 2,
    found: { d1: [6], waiting: [] },
  },
  {
    name: "version 2: whole messages with their edits and deletes, and read marks",
    version: 2,
    make: (sql) => {
      for (const migration of MIGRATIONS.slice(0, 2)) sql.exec(migration);
      sql.exec("CREATE TABLE schema_version (only INTEGER PRIMARY KEY CHECK (only = 1), version INTEGER NOT NULL)");
      sql.exec("INSERT INTO schema_version VALUES (1, 2)");
      sql.exec(`INSERT INTO messages (id, sender_id, client_id, created_at, content, edited_at, deleted_at) VALUES
        (5, 7, 'a', '2024-01-01T00:00:00.000Z', NULL, NULL, NULL),
        (6, 7, NULL, '2024-01-01T00:00:01.000Z', 'lunch at noon', NULL, NULL),
        (7, 8, NULL, '2024-01-01T00:00:02.000Z', 'lunch moved to one', '2024-01-01T00:01:00.000Z', NULL),
        (8, 8, NULL, '2024-01-01T00:00:03.000Z', '', NULL, '2024-01-01T00:02:00.000Z'),
        (9, 8, NULL, '2024-01-01T00:00:04.000Z', 'lunch cancelled', NULL, '2024-01-01T00:03:00.000Z')`);
      sql.exec("INSERT INTO reads VALUES (7, 6)");
      sql.exec("INSERT INTO id_block VALUES (1, 1, 17)");
    },
    rows: 5,
    found: { lunch: [7, 6], moved: [7], cancelled: [] },
  },
];

describe("the room store's schema", () => {
  it("numbers its migrations in order, today's tables being version 1", () => {
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(1);
  });

  for (const layout of EARLIER_LAYOUTS) {
    it(`migrates a store from ${layout.name} to the latest version, keeping its rows`, async () => {
      await withBareStorage((storage) => {
        layout.make(storage.sql);
        expect(schemaVersion(storage.sql)).toBe(layout.version);
        expect(migrate(storage)).toBe(layout.version);
        expect(schemaVersion(storage.sql)).toBe(LATEST_VERSION);
        const count = storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n;
        expect(count).toBe(layout.rows);
      });
    });

    it(`indexes for search what a store from ${layout.name} holds`, async () => {
      await withBareStorage((storage) => {
        layout.make(storage.sql);
        migrate(storage);
        const search = new MessageSearch(storage);
        for (const [word, ids] of Object.entries(layout.found)) {
          const matches = search.find({ terms: [{ words: [word], prefix: false }], excluded: [], limit: 10 });
          expect(
            matches.map((match) => match.id),
            word,
          ).toEqual(ids);
        }
        // A deleted message keeps no text, even one deleted before its text was blanked.
        const texts = storage.sql.exec<{ n: number }>(
          "SELECT count(*) AS n FROM messages WHERE deleted_at IS NOT NULL AND content <> ''",
        );
        expect(texts.one().n).toBe(0);
      });
    });
  }

  it("keeps version 1's rows usable: a text D1 had reads as empty until it is moved back, retries and the id block", async () => {
    await withBareStorage((storage) => {
      EARLIER_LAYOUTS[1].make(storage.sql);
      const store = new MessageStore(storage, { env, roomId: 1 });
      store.open();
      expect(store.latestId()).toBe(6);
      expect(store.page({ limit: 10 }).rows.map((row) => row.content)).toEqual(["", "not in D1 yet"]);
      expect(store.byClientId(7, "a")).toMatchObject({ id: 5, editedAt: null, deletedAt: null });
      expect(store.idBlock()).toEqual({ firstId: 1, endId: 17 });
    });
  });

  it("opens a store at the latest version without changing it", async () => {
    await withBareStorage((storage) => {
      migrate(storage);
      storage.sql.exec(
        "INSERT INTO messages (id, sender_id, created_at, content) VALUES (1, 2, '2024-01-01T00:00:00.000Z', 'kept')",
      );
      expect(migrate(storage)).toBe(LATEST_VERSION);
      expect(storage.sql.exec<{ content: string }>("SELECT content FROM messages").one().content).toBe("kept");
    });
  });

  it("refuses a store newer than the code, changing nothing", async () => {
    await withBareStorage((storage) => {
      migrate(storage);
      storage.sql.exec("UPDATE schema_version SET version = ?", LATEST_VERSION + 1);
      expect(() => migrate(storage)).toThrow(/newer/);
      expect(schemaVersion(storage.sql)).toBe(LATEST_VERSION + 1);
    });
  });
});
