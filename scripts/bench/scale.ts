/**
 * The scale run: many rooms' messages sent through the worker over sockets, with D1's rows
 * and size before and after (rooms keep their own history, so messages should not change
 * D1 but for a block of ids now and then), and the room list's time for a member of every
 * one of those rooms against a member of one room.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { joinRoom } from "../chat-client.ts";
import { execute } from "../wrangler-d1.ts";
import type { Chat } from "./app.ts";
import { percentile } from "./statistics.ts";

export const SCALE_ROOMS = 200;
export const SCALE_MESSAGES_PER_ROOM = 200;
/** Rooms sending at once: enough to keep the server busy, few enough for one client process. */
const ROOMS_AT_ONCE = 10;
const LIST_SAMPLES = 30;

export type D1Facts = { rows: Record<string, number>; bytes: number };
export type ScaleReport = {
  rooms: number;
  messagesPerRoom: number;
  sendSeconds: number;
  d1Before: D1Facts;
  d1After: D1Facts;
  /** GET /api/v1/rooms/ in ms, p50 and p99, for a member of one room and of every room. */
  roomList: { oneRoom: { p50: number; p99: number }; allRooms: { p50: number; p99: number } };
};

/** Every D1 table's row count, and the size of the local database's files. */
function d1Facts(persistTo: string): D1Facts {
  const [tables] = execute({ remote: false, persistTo }, [
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
  ]);
  const names = tables.map((row) => String(row.name));
  const [counts] = execute({ remote: false, persistTo }, [
    `SELECT ${names.map((name) => `(SELECT count(*) FROM "${name}") AS "${name}"`).join(", ")}`,
  ]);
  const folder = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const bytes = readdirSync(folder)
    .filter((file) => file.includes(".sqlite"))
    .reduce((sum, file) => sum + statSync(path.join(folder, file)).size, 0);
  return { rows: counts[0] as Record<string, number>, bytes };
}

async function post(chat: Chat, token: string, route: string, body: unknown): Promise<{ id: number }> {
  const answer = await fetch(`${chat.url}${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`POST ${route} failed: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as { id: number };
}

/** Times of `samples` room lists, in ms. */
async function timeRoomList(chat: Chat, token: string, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const answer = await fetch(`${chat.url}/api/v1/rooms/?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!answer.ok) throw new Error(`GET /api/v1/rooms/ failed: ${answer.status}`);
    await answer.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

const summary = (times: number[]) => {
  const sorted = times.toSorted((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/**
 * bench3 makes SCALE_ROOMS rooms with bench4 and sends SCALE_MESSAGES_PER_ROOM to each; bench5
 * has one room with bench3. (The other benches' users and rooms are left alone.)
 */
export async function measureScale(chat: Chat): Promise<ScaleReport> {
  const [sender, many, one] = await Promise.all(["bench3", "bench4", "bench5"].map((name) => chat.signIn(name)));
  // Seeded in order into a fresh database: bench<i> has the id i + 1.
  const [manyId, oneId] = [5, 6];
  console.log(`  scale: making ${SCALE_ROOMS} rooms`);
  const roomIds: number[] = [];
  for (let i = 0; i < SCALE_ROOMS; i++)
    roomIds.push((await post(chat, sender, "/api/v1/rooms/", { title: `scale ${i}`, participants: [manyId] })).id);
  await post(chat, sender, "/api/v1/rooms/", { title: "the one room", participants: [oneId] });
  const d1Before = d1Facts(chat.persistTo);

  console.log(`  scale: ${SCALE_ROOMS} x ${SCALE_MESSAGES_PER_ROOM} messages over sockets`);
  const started = performance.now();
  for (let start = 0; start < roomIds.length; start += ROOMS_AT_ONCE) {
    await Promise.all(
      roomIds.slice(start, start + ROOMS_AT_ONCE).map(async (roomId) => {
        const participant = await joinRoom({ url: chat.url, roomId, token: () => sender, name: `scale ${roomId}` });
        for (let i = 0; i < SCALE_MESSAGES_PER_ROOM; i++) participant.send(`message ${i} of room ${roomId}`);
        await participant.allAcked();
        participant.close();
      }),
    );
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const d1After = d1Facts(chat.persistTo);

  // The first list of each asks every room for its summary; the timed ones read the inbox.
  await timeRoomList(chat, many, 1);
  await timeRoomList(chat, one, 1);
  const allRooms = summary(await timeRoomList(chat, many, LIST_SAMPLES));
  const oneRoom = summary(await timeRoomList(chat, one, LIST_SAMPLES));
  return {
    rooms: SCALE_ROOMS,
    messagesPerRoom: SCALE_MESSAGES_PER_ROOM,
    sendSeconds,
    d1Before,
    d1After,
    roomList: { oneRoom, allRooms },
  };
}
