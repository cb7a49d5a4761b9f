/**
 * What a room answers a search with, the one order of results across rooms (newest first),
 * and the cursor that says where a page ended. Message ids are global but not in time order
 * across rooms (each room takes blocks of them), so the order is the time, then the id.
 */
import type { SearchTerm } from "./query";

/** Where a result stands in the order: the next page holds only results after it. */
export type SearchPosition = { timestamp: string; id: number };

/** What one room is asked: the query's words and filters, the sender already found by name. */
export type RoomSearch = {
  terms: SearchTerm[];
  excluded: SearchTerm[];
  senderId?: number;
  after?: string;
  before?: string;
  /** Only results after this position in the order (older, or as old with a lower id). */
  below?: SearchPosition;
  limit: number;
};

/** A message a room found; `highlight` is its text around the matches, marked as MATCH_START/MATCH_END say. */
export type RoomMatch = { id: number; sender: number; timestamp: string; content: string; highlight: string };

/** Newest first, then the higher id first: the order of every result list. */
export const newestFirst = (a: SearchPosition, b: SearchPosition): number =>
  a.timestamp === b.timestamp ? b.id - a.id : a.timestamp < b.timestamp ? 1 : -1;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Longest cursor this API makes, with room to spare; longer text is not one of them. */
const MAX_CURSOR_LENGTH = 100;

/** The cursor of a position: opaque to clients (base64url of `[timestamp, id]`). */
export function cursorOf(position: SearchPosition): string {
  return btoa(JSON.stringify([position.timestamp, position.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The position a cursor names; undefined for anything this API did not make. */
export function positionOf(cursor: string): SearchPosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [timestamp, id] = value;
  if (typeof timestamp !== "string" || !TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp)))
    return undefined;
  if (!Number.isSafeInteger(id) || id < 1) return undefined;
  return { timestamp, id };
}
