/**
 * Search across the caller's rooms: each room searches its own index, a few rooms at a
 * time, and their answers merge into one page, newest first. Only rooms the caller is in
 * now are asked, so one who left a room finds nothing more of it.
 */
import { database } from "../../core/db";
import { roomTitlesOf } from "../../core/db/rooms";
import type { UserRow } from "../../core/db/schema";
import { findUserByUsername } from "../../core/db/users";
import type { SearchQuery } from "../../core/search/query";
import { cursorOf, newestFirst, type RoomMatch, type SearchPosition } from "../../core/search/results";
import { roomObject } from "../../durable/room";
import { roomToRead } from "../rooms/access";

/** Results a page holds unless asked for fewer, and the most it holds. */
export const DEFAULT_RESULTS = 20;
export const MAX_RESULTS = 50;
/**
 * Rooms searched at once: enough that a member of 200 rooms waits for a few rounds, few
 * enough that one search does not crowd every room object at the same moment.
 */
const ROOMS_AT_ONCE = 10;

export type SearchResult = RoomMatch & { room: number; room_title: string };
export type SearchPage = { results: SearchResult[]; next: string | null };

/** `work` over every item, at most `limit` at a time; the answers in the items' order. */
async function atMost<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = new Array(items.length);
  let next = 0;
  const drain = async () => {
    while (next < items.length) {
      const index = next++;
      answers[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, drain));
  return answers;
}

/** The rooms to search: all of the caller's, or the one `in:` names if the policy lets them read it. */
async function roomsToSearch(env: Env, user: UserRow, query: SearchQuery) {
  const db = database(env);
  if (query.room === undefined) return roomTitlesOf(db, user.id);
  const { room } = await roomToRead(db, query.room, user);
  return [{ id: room.id, title: room.title, jurisdiction: room.jurisdiction }];
}

/** A page of the caller's messages matching the query, after `below` when it continues a page. */
export async function searchMessages(
  env: Env,
  user: UserRow,
  query: SearchQuery,
  page: { limit: number; below?: SearchPosition },
): Promise<SearchPage> {
  const [rooms, sender] = await Promise.all([
    roomsToSearch(env, user, query),
    query.from === undefined ? undefined : findUserByUsername(database(env), query.from),
  ]);
  // Nobody by that name has sent anything anywhere.
  if (query.from !== undefined && !sender) return { results: [], next: null };
  const search = {
    terms: query.terms,
    excluded: query.excluded,
    senderId: sender?.id,
    after: query.after,
    before: query.before,
    below: page.below,
    // One more than the page, so that a next page is known to exist.
    limit: page.limit + 1,
  };
  const found = await atMost(rooms, ROOMS_AT_ONCE, async (room) => {
    const matches = await roomObject(env, room).search(search);
    return matches.map((match): SearchResult => ({ ...match, room: room.id, room_title: room.title }));
  });
  const merged = found.flat().sort(newestFirst);
  const results = merged.slice(0, page.limit);
  return { results, next: merged.length > page.limit ? cursorOf(results.at(-1)!) : null };
}
