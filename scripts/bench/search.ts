/**
 * Search latency: GET /api/v1/search/ for a member of 1, 20 and 200 rooms, each room holding
 * the same number of messages (1,000 unless told). The messages go in as people send them,
 * over the rooms' sockets (scripts/chat-client.ts), so they are in the rooms' own stores
 * and indexes. bench0 makes every room and sends its messages; bench1 is in the first 20
 * rooms, bench2 in the first one.
 *
 * Each search runs one after another (one caller), with words of different reach: a common
 * word, a rare one, the start of a word, a phrase, and words with operators.
 */
import { performance } from "node:perf_hooks";
import { joinRoom } from "../chat-client.ts";
import type { Chat } from "./app.ts";
import { median, percentile } from "./statistics.ts";

/**
 * Who searches, and in how many rooms: the first `rooms` rooms each. bench0 makes them all;
 * seeded in order into a fresh database, bench<i> has the id i + 1.
 */
const MEMBERS = [
  { username: "bench2", id: 3, rooms: 1 },
  { username: "bench1", id: 2, rooms: 20 },
  { username: "bench0", id: 1, rooms: 200 },
];
const ROOMS = Math.max(...MEMBERS.map((member) => member.rooms));
export const SEARCH_MESSAGES_A_ROOM = 1000;
/** Searches of each query for each member in a repeat, after one uncounted warm-up each. */
const SEARCHES_A_QUERY = 15;
/** Rooms seeded at once, and made at once. */
const ROOMS_AT_ONCE = 8;

const VOCABULARY = (
  "apple harbour station meeting lunch budget report design river garden window coffee ticket " +
  "planet signal market winter summer morning evening travel camera music letter office dinner " +
  "shadow forest island bridge circle rocket silver yellow purple orange simple quiet bright " +
  "careful sudden gentle honest little heavy narrow modern ancient frozen golden hidden lucky"
).split(" ");
/** In one message of RARE_EVERY. */
const RARE_WORD = "zephyr";
const RARE_EVERY = 100;

export const SEARCH_QUERIES = ["harbour", RARE_WORD, "harb", '"harbour station"', "lunch -coffee from:bench0"];

export type SearchRun = { p50Ms: number; p99Ms: number; resultsPerSearch: number };
export type SearchMember = { rooms: number; runs: SearchRun[]; summary: SearchRun };
export type SearchReport = {
  messagesPerRoom: number;
  seedSeconds: number;
  seedMessagesPerSecond: number;
  searchesPerQuery: number;
  queries: string[];
  members: SearchMember[];
};

/** The same texts every run: a small linear congruential generator. */
function texts(count: number, seed: number): string[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 8 }, () => VOCABULARY[next() % VOCABULARY.length]);
    if (i % RARE_EVERY === 0) words[next() % words.length] = RARE_WORD;
    return `${words.join(" ")} (${i})`;
  });
}

/** `work` over every item, at most `limit` at a time. */
async function atMost<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const drain = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, drain));
}

async function makeRooms(chat: Chat, token: string): Promise<number[]> {
  const rooms: number[] = new Array(ROOMS);
  await atMost(rooms, ROOMS_AT_ONCE, async (_, i) => {
    const participants = MEMBERS.filter((member) => member.id !== 1 && i < member.rooms).map((member) => member.id);
    const answer = await fetch(`${chat.url}/api/v1/rooms/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: `search room ${i}`, participants }),
    });
    if (!answer.ok) throw new Error(`making search room ${i} failed: ${answer.status} ${await answer.text()}`);
    rooms[i] = ((await answer.json()) as { id: number }).id;
  });
  return rooms;
}

/** Sends every room its messages over bench0's socket, all of them at once, and waits for every ack. */
async function seed(chat: Chat, rooms: number[], messagesPerRoom: number, token: () => string) {
  let done = 0;
  await atMost(rooms, ROOMS_AT_ONCE, async (roomId, i) => {
    const socket = await joinRoom({ url: chat.url, roomId, token, name: `search-seed-${i}` });
    for (const text of texts(messagesPerRoom, i + 1)) socket.send(text);
    await socket.allAcked();
    socket.close();
    done += 1;
    if (done % 25 === 0) console.log(`  seeded ${done} of ${rooms.length} rooms`);
  });
}

async function timedSearch(chat: Chat, token: string, query: string): Promise<{ ms: number; results: number }> {
  const started = performance.now();
  const answer = await fetch(`${chat.url}/api/v1/search/?q=${encodeURIComponent(query)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await answer.json()) as { results?: unknown[] };
  const ms = performance.now() - started;
  if (!answer.ok) throw new Error(`search ${query} answered ${answer.status}: ${JSON.stringify(body)}`);
  return { ms, results: body.results!.length };
}

async function measureMember(chat: Chat, username: string): Promise<SearchRun> {
  const token = await chat.signIn(username);
  const times: number[] = [];
  let results = 0;
  for (const query of SEARCH_QUERIES) {
    await timedSearch(chat, token, query);
    for (let i = 0; i < SEARCHES_A_QUERY; i++) {
      const search = await timedSearch(chat, token, query);
      times.push(search.ms);
      results += search.results;
    }
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), resultsPerSearch: results / times.length };
}

/** Seeds the rooms, then times every member's searches, `repeats` times. */
export async function measureSearch(chat: Chat, repeats: number, messagesPerRoom: number): Promise<SearchReport> {
  console.log(`> Search: ${ROOMS} rooms of ${messagesPerRoom} messages, sent over sockets`);
  let token = await chat.signIn("bench0");
  const rooms = await makeRooms(chat, token);
  // Access tokens last 5 minutes; a socket that reconnects late in a long seed needs a fresh one.
  const renew = setInterval(() => void chat.signIn("bench0").then((fresh) => (token = fresh)), 4 * 60_000);
  const started = performance.now();
  try {
    await seed(chat, rooms, messagesPerRoom, () => token);
  } finally {
    clearInterval(renew);
  }
  const seedSeconds = (performance.now() - started) / 1000;
  console.log(`  seeded ${rooms.length * messagesPerRoom} messages in ${seedSeconds.toFixed(1)} s`);
  const members: SearchMember[] = MEMBERS.map((member) => ({
    rooms: member.rooms,
    runs: [],
    summary: { p50Ms: 0, p99Ms: 0, resultsPerSearch: 0 },
  }));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const [i, member] of members.entries()) {
      const run = await measureMember(chat, MEMBERS[i].username);
      member.runs.push(run);
      console.log(
        `  ${member.rooms} room(s), repeat ${repeat + 1}: p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms`,
      );
    }
  }
  for (const member of members)
    member.summary = {
      p50Ms: median(member.runs.map((run) => run.p50Ms)),
      p99Ms: median(member.runs.map((run) => run.p99Ms)),
      resultsPerSearch: median(member.runs.map((run) => run.resultsPerSearch)),
    };
  return {
    messagesPerRoom,
    seedSeconds,
    seedMessagesPerSecond: (rooms.length * messagesPerRoom) / seedSeconds,
    searchesPerQuery: SEARCHES_A_QUERY,
    queries: SEARCH_QUERIES,
    members,
  };
}
