/**
 * GET /api/v1/search/: messages of the caller's rooms only, newest first across rooms, by
 * the query language's words, phrases, exclusions and operators, a page at a time. Messages
 * are sent, edited and deleted through the API; where a test needs its own times and ids,
 * they are written into the rooms' stores as the rooms hold them (test/support/room-store.ts).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../core/db";
import { findOrCreateDm } from "../../core/db/rooms";
import { MATCH_END, MATCH_START } from "../../core/protocol-constants";
import { call, expectError, makeRoom, makeUser, sendToRoom } from "../support/api";
import { storedId, storeMessages } from "../support/room-store";

type Person = Awaited<ReturnType<typeof makeUser>>;
type Result = {
  id: number;
  room: number;
  room_title: string;
  sender: number;
  content: string;
  timestamp: string;
  highlight: string;
};

/** Minutes after a fixed start, as the ISO text messages carry. */
const at = (minutes: number) => new Date(Date.UTC(2025, 5, 1, 9, minutes)).toISOString();

/** Writes one message into a room's store; answers its id. */
async function stored(roomId: number, sender: Person, content: string, minutes: number): Promise<number> {
  const id = storedId();
  await storeMessages(roomId, [{ id, senderId: sender.id, content, createdAt: at(minutes) }]);
  return id;
}

const searchAs = (who: Person, query: string, extra = "") =>
  call<{ results: Result[]; next: string | null; fields?: Record<string, string> }>(
    "GET",
    `/api/v1/search/?q=${encodeURIComponent(query)}${extra}`,
    {
      token: who.access,
    },
  );

/** The texts a search finds, in the order it answers them. */
async function found(who: Person, query: string): Promise<string[]> {
  const answer = await searchAs(who, query);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.results.map((result) => result.content);
}

/** Someone with a unique word of their own, so that searches see only this test's messages. */
async function people(count: number) {
  const word = `w${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const made = await Promise.all(Array.from({ length: count }, () => makeUser()));
  return { word, made };
}

describe("GET /api/v1/search/", () => {
  it("answers a result with its room, sender, text, time and highlight", async () => {
    const {
      word,
      made: [ana, bo],
    } = await people(2);
    const room = await makeRoom(ana, [bo], "Team lunch");
    const id = await stored(room.id, bo, `${word} at noon`, 1);
    const answer = await searchAs(ana, word);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      results: [
        {
          id,
          room: room.id,
          room_title: "Team lunch",
          sender: bo.id,
          content: `${word} at noon`,
          timestamp: at(1),
          highlight: `${MATCH_START}${word}${MATCH_END} at noon`,
        },
      ],
      next: null,
    });
  });

  it("finds messages of every room the caller is in, DMs included, newest first by time, not by id", async () => {
    const {
      word,
      made: [ana, bo, cy],
    } = await people(3);
    const group = await makeRoom(ana, [bo], "group");
    // Made as the first message to cy makes it; the room's messages are the test's own.
    const dm = await findOrCreateDm(database(env), ana, cy);
    // Ids are not in time order across rooms: each room takes blocks of them.
    const newerId = await stored(dm.id, cy, `${word} newest`, 30);
    const olderId = await stored(group.id, bo, `${word} oldest`, 10);
    const middleId = await stored(group.id, ana, `${word} middle`, 20);
    expect(olderId).toBeGreaterThan(newerId);
    const answer = await searchAs(ana, word);
    expect(answer.body.results.map((r) => r.id)).toEqual([newerId, middleId, olderId]);
    expect(answer.body.results[0].room_title).toBe(dm.title);
  });

  describe("privacy", () => {
    it("never finds anything of a room the caller is not in", async () => {
      const {
        word,
        made: [ana, bo, eve],
      } = await people(3);
      const room = await makeRoom(ana, [bo], "private");
      await sendToRoom(ana, room.id, `${word} secret`);
      expect(await found(eve, word)).toEqual([]);
      expect(await found(bo, word)).toEqual([`${word} secret`]);
      expectError(await searchAs(eve, `${word} in:${room.id}`), 403, "permission_denied");
    });

    it("finds nothing more of a room its member has left", async () => {
      const {
        word,
        made: [ana, bo],
      } = await people(2);
      const room = await makeRoom(ana, [bo], "left behind");
      await sendToRoom(ana, room.id, `${word} before leaving`);
      expect(await found(bo, word)).toEqual([`${word} before leaving`]);
      expect((await call("POST", `/api/v1/rooms/${room.id}/leave/`, { token: bo.access })).status).toBe(204);
      await sendToRoom(ana, room.id, `${word} after leaving`);
      expect(await found(bo, word)).toEqual([]);
      expectError(await searchAs(bo, `${word} in:${room.id}`), 403, "permission_denied");
      expect(await found(ana, word)).toEqual([`${word} after leaving`, `${word} before leaving`]);
    });

    it("never finds a deleted message", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const room = await makeRoom(ana, [], "deletes");
      const regretted = (await sendToRoom(ana, room.id, `${word} regretted`)).messages.at(-1);
      await sendToRoom(ana, room.id, `${word} kept`);
      expect((await call("DELETE", `/api/v1/messages/${regretted.id}/`, { token: ana.access })).status).toBe(204);
      expect(await found(ana, word)).toEqual([`${word} kept`]);
      expect(await found(ana, `${word} regretted`)).toEqual([]);
    });

    it("finds an edited message by its new text only", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const room = await makeRoom(ana, [], "edits");
      const sent = (await sendToRoom(ana, room.id, `${word} harbour`)).messages.at(-1);
      const edit = await call("PATCH", `/api/v1/messages/${sent.id}/`, {
        token: ana.access,
        json: { content: `${word} station` },
      });
      expect(edit.status).toBe(200);
      expect(await found(ana, `${word} harbour`)).toEqual([]);
      expect(await found(ana, `${word} station`)).toEqual([`${word} station`]);
    });

    it("finds a message as soon as its sending is answered", async () => {
      const {
        word,
        made: [ana, bo],
      } = await people(2);
      const room = await makeRoom(ana, [bo], "at once");
      const sent = (await sendToRoom(bo, room.id, `${word} just now`)).messages.at(-1);
      const answer = await searchAs(ana, word);
      expect(answer.body.results).toMatchObject([
        { id: sent.id, room: room.id, sender: bo.id, timestamp: sent.timestamp },
      ]);
    });
  });

  describe("the query language", () => {
    it("from: finds one sender's messages, by username in any case; nobody by that name finds nothing", async () => {
      const {
        word,
        made: [ana, bo],
      } = await people(2);
      const room = await makeRoom(ana, [bo], "senders");
      await stored(room.id, ana, `${word} from ana`, 1);
      await stored(room.id, bo, `${word} from bo`, 2);
      expect(await found(ana, `${word} from:${bo.username.toUpperCase()}`)).toEqual([`${word} from bo`]);
      expect(await found(ana, `${word} from:nobody_by_that_name`)).toEqual([]);
    });

    it("in: searches one room; a room that does not exist is 404", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const first = await makeRoom(ana, [], "first");
      const second = await makeRoom(ana, [], "second");
      await stored(first.id, ana, `${word} one`, 1);
      await stored(second.id, ana, `${word} two`, 2);
      expect(await found(ana, `${word} in:${first.id}`)).toEqual([`${word} one`]);
      expectError(await searchAs(ana, `${word} in:999999999`), 404, "not_found");
    });

    it("after: and before: bound by day (UTC): after from its start, before up to its start", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const room = await makeRoom(ana, [], "days");
      for (const [day, text] of [
        ["2025-03-01T23:59:59.999Z", "march first"],
        ["2025-03-02T00:00:00.000Z", "march second"],
        ["2025-03-03T12:00:00.000Z", "march third"],
      ])
        await storeMessages(room.id, [
          { id: storedId(), senderId: ana.id, content: `${word} ${text}`, createdAt: day },
        ]);
      expect(await found(ana, `${word} after:2025-03-02`)).toEqual([`${word} march third`, `${word} march second`]);
      expect(await found(ana, `${word} before:2025-03-02`)).toEqual([`${word} march first`]);
      expect(await found(ana, `${word} after:2025-03-02 before:2025-03-03`)).toEqual([`${word} march second`]);
    });

    it("a phrase needs its words together, an exclusion leaves messages out, the last word is a prefix", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const room = await makeRoom(ana, [], "words");
      await stored(room.id, ana, `${word} see you on friday`, 1);
      await stored(room.id, ana, `${word} on a friday, pizza`, 2);
      await stored(room.id, ana, `${word} lunchtime`, 3);
      expect(await found(ana, `${word} "on friday"`)).toEqual([`${word} see you on friday`]);
      expect(await found(ana, `${word} friday -pizza`)).toEqual([`${word} see you on friday`]);
      expect(await found(ana, `${word} -"a friday"`)).toEqual([`${word} lunchtime`, `${word} see you on friday`]);
      expect(await found(ana, `${word} lunch`)).toEqual([`${word} lunchtime`]);
      expect(await found(ana, `lunch ${word}`)).toEqual([]);
    });

    it("searches an unknown name:value, such as a URL, as words", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const room = await makeRoom(ana, [], "links");
      await stored(room.id, ana, `read https://${word}.example/notes today`, 1);
      expect(await found(ana, `https://${word}.example/notes`)).toEqual([`read https://${word}.example/notes today`]);
    });

    it.each([
      ["", "Type something"],
      ['"open', "not closed"],
      ["-only", "only narrow"],
      ["x in:room", "in: takes"],
      ["x before:2025-13-01", "real day"],
      ["x after:2025-01-02 before:2025-01-01", "No day is both"],
      ["x".repeat(501), "at most 500"],
    ])("refuses %j with a 400 that says what to change", async (query, why) => {
      const ana = await makeUser();
      const answer = await searchAs(ana, query);
      expectError(answer, 400, "invalid");
      expect(answer.body.fields?.q).toContain(why);
    });

    it("refuses a missing query", async () => {
      const ana = await makeUser();
      expectError(await call("GET", "/api/v1/search/", { token: ana.access }), 400, "invalid");
    });
  });

  describe("pages", () => {
    it("gives 20 results unless asked, at most 50, and every result once across pages", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const rooms = await Promise.all([makeRoom(ana, [], "a"), makeRoom(ana, [], "b"), makeRoom(ana, [], "c")]);
      const ids: number[] = [];
      for (let i = 0; i < 55; i++) {
        const id = storedId();
        ids.push(id);
        // Some messages share a time, in different rooms: the id decides between them.
        await storeMessages(rooms[i % 3].id, [
          { id, senderId: ana.id, content: `${word} number ${i}`, createdAt: at(Math.floor(i / 2)) },
        ]);
      }
      const first = await searchAs(ana, word);
      expect(first.body.results).toHaveLength(20);
      expectError(await searchAs(ana, word, "&limit=51"), 400, "invalid");
      expectError(await searchAs(ana, word, "&limit=0"), 400, "invalid");

      const seen: Result[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof searchAs>> = await searchAs(
          ana,
          word,
          `&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.results);
        cursor = page.body.next;
      } while (cursor);
      const expected = ids
        .map((id, i) => ({ id, timestamp: at(Math.floor(i / 2)) }))
        .sort((a, b) => (a.timestamp === b.timestamp ? b.id - a.id : a.timestamp < b.timestamp ? 1 : -1))
        .map((m) => m.id);
      expect(seen.map((r) => r.id)).toEqual(expected);
      const all = await searchAs(ana, word, "&limit=50");
      expect(all.body.results).toHaveLength(50);
      expect(all.body.next).toEqual(expect.any(String));
    });

    it("says next is null on the last page, and refuses a cursor it did not give", async () => {
      const {
        word,
        made: [ana],
      } = await people(1);
      const room = await makeRoom(ana, [], "one page");
      await stored(room.id, ana, `${word} alone`, 1);
      expect((await searchAs(ana, word, "&limit=1")).body.next).toBeNull();
      for (const cursor of ["nonsense", "W10", btoa('["yesterday", 1]'), "A".repeat(200)]) {
        const answer = await searchAs(ana, word, `&cursor=${encodeURIComponent(cursor)}`);
        expectError(answer, 400, "invalid");
        expect(answer.body.fields?.cursor).toMatch(/not one this search gave/);
      }
    });
  });

  it("needs a signed-in caller", async () => {
    expectError(await call("GET", "/api/v1/search/?q=lunch"), 401, "not_authenticated");
  });
});
