/**
 * A room's search of its own messages: the full-text index (FTS5 in the object's SQLite,
 * which local workerd has), kept right by the store's triggers through inserts, edits and
 * deletes, and the matches newest first with their highlights.
 */
import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { MATCH_END, MATCH_START } from "../../../core/protocol-constants";
import { parseSearch } from "../../../core/search/query";
import type { RoomSearch } from "../../../core/search/results";
import { roomObject } from "../../../durable/room";
import { MessageSearch, matchExpression } from "../../../durable/room/search";
import { RUNS } from "../../properties/arbitraries";
import { deleteStored, editStored, type StoredMessage, storedId, storeMessages } from "../../support/room-store";

let nextRoom = 930_000;

/** A fresh room holding these texts, the first oldest, a minute apart, all sent by user 7 unless given. */
async function roomHolding(...texts: (string | { text: string; senderId?: number; at?: string })[]) {
  const roomId = nextRoom++;
  const messages: StoredMessage[] = texts.map((entry, i) => {
    const { text, senderId, at } = typeof entry === "string" ? { text: entry } : entry;
    return {
      id: storedId(),
      senderId: senderId ?? 7,
      content: text,
      createdAt: at ?? new Date(Date.UTC(2025, 0, 1, 12, i)).toISOString(),
    };
  });
  await storeMessages(roomId, messages);
  return { roomId, ids: messages.map((m) => m.id) };
}

/** The room's answer to a query as typed, with any filters on top. */
async function search(roomId: number, text: string, more: Partial<RoomSearch> = {}) {
  const parsed = parseSearch(text);
  if (!parsed.ok) throw new Error(parsed.why);
  const { terms, excluded, after, before } = parsed.query;
  return roomObject(env, { id: roomId, jurisdiction: null }).search({
    terms,
    excluded,
    after,
    before,
    limit: 50,
    ...more,
  });
}
const contents = async (roomId: number, text: string, more?: Partial<RoomSearch>) =>
  (await search(roomId, text, more)).map((match) => match.content);

describe("the room's full-text index", () => {
  it("is FTS5 in the object's own SQLite, which local workerd provides", async () => {
    const { roomId } = await roomHolding("hello");
    await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
      const table = state.storage.sql
        .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'message_index'")
        .one();
      expect(table.sql).toMatch(/USING fts5/i);
    });
    expect(await contents(roomId, "hello")).toEqual(["hello"]);
  });

  it("finds every word in any case and without accents, newest first", async () => {
    const { roomId } = await roomHolding("Lunch at noon", "no lunch today", "Café and LUNCH", "dinner");
    expect(await contents(roomId, "lunch")).toEqual(["Café and LUNCH", "no lunch today", "Lunch at noon"]);
    expect(await contents(roomId, "cafe lunch")).toEqual(["Café and LUNCH"]);
  });

  it("matches the last word as the start of a word, and the others only whole", async () => {
    const { roomId } = await roomHolding("lunchtime soon", "a lunch", "lun");
    expect(await contents(roomId, "lunch")).toEqual(["a lunch", "lunchtime soon"]);
    expect(await contents(roomId, "lun")).toEqual(["lun", "a lunch", "lunchtime soon"]);
    expect(await contents(roomId, "lun soon")).toEqual([]);
    expect(await contents(roomId, '"lun"')).toEqual(["lun"]);
  });

  it("finds a phrase only with its words together and in order", async () => {
    const { roomId } = await roomHolding("see you on friday", "on a friday, see you", "friday on");
    expect(await contents(roomId, '"on friday"')).toEqual(["see you on friday"]);
  });

  it("leaves out messages with an excluded word or phrase", async () => {
    const { roomId } = await roomHolding("pizza for lunch", "salad for lunch", "lunch: pizza party");
    expect(await contents(roomId, "lunch -pizza")).toEqual(["salad for lunch"]);
    expect(await contents(roomId, 'lunch -"pizza party"')).toEqual(["salad for lunch", "pizza for lunch"]);
  });

  it("reads FTS5's own syntax in a query as plain words", async () => {
    const { roomId } = await roomHolding("do NOT touch", "near or far", "a*b^c", "plain");
    expect(await contents(roomId, "not")).toEqual(["do NOT touch"]);
    expect(await contents(roomId, "NEAR OR")).toEqual(["near or far"]);
    expect(await contents(roomId, "a*b^c")).toEqual(["a*b^c"]);
    expect(matchExpression({ terms: [{ words: ["or"], prefix: false }], excluded: [] })).toBe('("or")');
  });

  it("narrows by sender and by time: after is from that moment, before is up to it", async () => {
    const { roomId } = await roomHolding(
      { text: "report one", senderId: 1, at: "2025-01-01T00:00:00.000Z" },
      { text: "report two", senderId: 2, at: "2025-01-02T00:00:00.000Z" },
      { text: "report three", senderId: 1, at: "2025-01-02T23:59:59.999Z" },
    );
    expect(await contents(roomId, "report", { senderId: 1 })).toEqual(["report three", "report one"]);
    expect(await contents(roomId, "report after:2025-01-02")).toEqual(["report three", "report two"]);
    expect(await contents(roomId, "report before:2025-01-02")).toEqual(["report one"]);
    expect(await contents(roomId, "report after:2025-01-02 before:2025-01-03", { senderId: 2 })).toEqual([
      "report two",
    ]);
  });

  it("orders by time then id, and continues strictly after a position", async () => {
    const at = "2025-03-01T10:00:00.000Z";
    const { roomId, ids } = await roomHolding(
      { text: "tick", at },
      { text: "tick", at },
      { text: "tick", at: "2025-03-01T09:00:00.000Z" },
    );
    const all = await search(roomId, "tick");
    expect(all.map((match) => match.id)).toEqual([ids[1], ids[0], ids[2]]);
    const rest = await search(roomId, "tick", { below: { timestamp: at, id: ids[1] } });
    expect(rest.map((match) => match.id)).toEqual([ids[0], ids[2]]);
    expect((await search(roomId, "tick", { limit: 1 })).map((match) => match.id)).toEqual([ids[1]]);
  });

  it("marks matches in the highlight with U+E000 and U+E001, which a message cannot fake", async () => {
    const { roomId } = await roomHolding(`fake ${MATCH_START}mark${MATCH_END} and real lunch`);
    const [match] = await search(roomId, "lunch");
    expect(match.highlight).toBe(`fake mark and real ${MATCH_START}lunch${MATCH_END}`);
    expect(match.content).toBe(`fake ${MATCH_START}mark${MATCH_END} and real lunch`);
  });

  it("keeps a highlight of a long message to the words around its match", async () => {
    const long = `${"filler ".repeat(200)}needle ${"filler ".repeat(200)}`.trim();
    const { roomId } = await roomHolding(long);
    const [match] = await search(roomId, "needle");
    expect(match.highlight).toContain(`${MATCH_START}needle${MATCH_END}`);
    expect(match.highlight.length).toBeLessThan(300);
    expect(match.highlight).toMatch(/^….*…$/);
    expect(match.content).toBe(long);
  });

  it("finds an edited message by its new text only", async () => {
    const { roomId, ids } = await roomHolding("meet at the harbour");
    await editStored(roomId, ids[0], "meet at the station");
    expect(await contents(roomId, "harbour")).toEqual([]);
    expect(await contents(roomId, "station")).toEqual(["meet at the station"]);
  });

  it("never finds a deleted message, and blanks its text even when only its deletion is written", async () => {
    const { roomId, ids } = await roomHolding("secret plan", "secret recipe");
    await deleteStored(roomId, ids[0]);
    await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
      state.storage.sql.exec("UPDATE messages SET deleted_at = ? WHERE id = ?", "2025-02-01T00:00:00.000Z", ids[1]);
      const texts = state.storage.sql.exec<{ content: string }>("SELECT content FROM messages ORDER BY id").toArray();
      expect(texts.map((row) => row.content)).toEqual(["", ""]);
    });
    expect(await contents(roomId, "secret")).toEqual([]);
  });

  it("finds a message whose text comes back from D1 only once it is back", async () => {
    const { roomId, ids } = await roomHolding("still here");
    await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
      state.storage.sql.exec("UPDATE messages SET content = NULL WHERE id = ?", ids[0]);
    });
    expect(await contents(roomId, "still")).toEqual([]);
    await runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_room, state) => {
      state.storage.sql.exec("UPDATE messages SET content = 'back from D1' WHERE id = ?", ids[0]);
    });
    expect(await contents(roomId, "back")).toEqual(["back from D1"]);
  });

  it("starts empty again when the room is deleted", async () => {
    const { roomId } = await roomHolding("before the end");
    await roomObject(env, { id: roomId, jurisdiction: null }).roomDeleted();
    expect(await contents(roomId, "end")).toEqual([]);
    await storeMessages(roomId, [
      { id: storedId(), senderId: 1, content: "a new start", createdAt: "2025-05-01T00:00:00.000Z" },
    ]);
    expect(await contents(roomId, "start")).toEqual(["a new start"]);
  });
});

describe("the index catching up", () => {
  it("takes a sent message in on its own, with no search to make it", async () => {
    const room = roomObject(env, { id: nextRoom++, jurisdiction: null });
    const sent = await room.receive({ senderId: 7, content: "zeppelin sighted" });
    if (!sent.ok) throw new Error("the send was refused");
    const indexed = () =>
      runInDurableObject(room, (_room, state) =>
        state.storage.sql
          .exec<{ id: number }>("SELECT rowid AS id FROM message_index WHERE message_index MATCH 'zeppelin'")
          .toArray()
          .map((row) => row.id),
      );
    await vi.waitFor(async () => expect(await indexed()).toEqual([sent.message.id]));
  });
});

describe("the index under any sequence of writes", () => {
  type Write =
    | { kind: "insert"; text: string | null; deleted: boolean; history: boolean }
    | { kind: "edit"; index: number; text: string }
    | { kind: "index" }
    | { kind: "delete" | "remove" | "blank"; index: number };
  const text = fc.oneof(
    fc.constantFrom("lunch", "Lunch at noon", `a ${MATCH_START}mark`, "", "é\u0301", "NOT OR NEAR"),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
  );
  const write: fc.Arbitrary<Write> = fc.oneof(
    fc.record({
      kind: fc.constant("insert" as const),
      text: fc.option(text, { nil: null }),
      deleted: fc.boolean(),
      history: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("index" as const) }),
    fc.record({ kind: fc.constant("edit" as const), index: fc.nat(), text }),
    fc.record({ kind: fc.constantFrom("delete" as const, "remove" as const, "blank" as const), index: fc.nat() }),
  );

  it("always agrees with the messages it indexes (FTS5's integrity check against the content)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { maxLength: 25 }), async (writes) => {
        await runInDurableObject(roomObject(env, { id: nextRoom++, jurisdiction: null }), (_room, state) => {
          const { sql } = state.storage;
          const ids: number[] = [];
          const pick = (index: number) => ids[index % ids.length];
          const search = new MessageSearch(state.storage);
          for (const w of writes) {
            // Two at a time, so a catch-up can stop short of the newest.
            if (w.kind === "index") search.indexWaiting(2);
            else if (w.kind === "insert") {
              // History (an import) comes in below the ids the index holds; a new message above them.
              const id = w.history ? -storedId() : storedId();
              ids.push(id);
              sql.exec(
                "INSERT INTO messages (id, sender_id, created_at, content, deleted_at) VALUES (?, 1, ?, ?, ?)",
                id,
                new Date().toISOString(),
                w.text,
                w.deleted ? new Date().toISOString() : null,
              );
            } else if (ids.length > 0) {
              const statement = {
                edit: "UPDATE messages SET content = ?2, edited_at = 'x' WHERE id = ?1",
                delete: "UPDATE messages SET content = '', deleted_at = 'x' WHERE id = ?1",
                remove: "DELETE FROM messages WHERE id = ?1",
                blank: "UPDATE messages SET content = NULL WHERE id = ?1",
              }[w.kind];
              if (w.kind === "edit") sql.exec(statement, pick(w.index), w.text);
              else sql.exec(statement, pick(w.index));
            }
          }
          search.indexWaiting(-1);
          sql.exec("INSERT INTO message_index (message_index, rank) VALUES ('integrity-check', 1)");
          const indexed = sql.exec<{ n: number }>("SELECT count(*) AS n FROM message_index_docsize").one().n;
          const searchable = sql.exec<{ n: number }>("SELECT count(*) AS n FROM message_text").one().n;
          expect(indexed).toBe(searchable);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("answers any parsed query without an error", async () => {
    const { roomId } = await roomHolding(
      "lunch at noon",
      "NOT near",
      `x ${MATCH_END}`,
      "日本語のテキスト",
      "e\u0301te\u0301",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })),
        async (typed) => {
          const parsed = parseSearch(typed);
          if (!parsed.ok) return;
          const { terms, excluded } = parsed.query;
          const matches = await roomObject(env, { id: roomId, jurisdiction: null }).search({
            terms,
            excluded,
            limit: 5,
          });
          expect(matches.length).toBeLessThanOrEqual(5);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
