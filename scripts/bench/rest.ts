/**
 * REST under load, with autocannon: requests per second and latency per route, each
 * beside the worker's own floor in the same repeat (an unknown API route: the app, its
 * headers and its error answer, no D1), so the ratio says what a route costs on top.
 * Every route answers as it should under load (non-2xx are counted and reported).
 */
import autocannon from "autocannon";
import { type Chat, DM_HISTORY } from "./app.ts";
import { median } from "./statistics.ts";

const SECONDS = 3;
const CONNECTIONS = 10;

/**
 * The original condor_chat's own figures for the same request, measured on this machine on
 * 2026-11-30 (issue 19): Django 3.2, DRF and simplejwt on PostgreSQL under gunicorn with 2
 * sync workers, 204 users, wrk with 16 connections for 10 s. Its user search was
 * `?full_name=car`, and its DM send went into a DM of 5,000 messages.
 */
const ORIGINAL_PER_SECOND = {
  signIn: 9.9,
  userList: 9.9,
  userSearch: 108.8,
  sendIntoDmOf5000: 6.4,
  sendToRoom: 43.1,
};

type Route = {
  name: string;
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  token?: boolean;
  /** The original's requests/s for this request, where it was measured. */
  original?: number;
  /** Connections other than CONNECTIONS: one plays a script or bot sending one message after another. */
  connections?: number;
};
export type RestRun = {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  notOk: number;
  errors: number;
};
export type RestRoute = {
  name: string;
  runs: RestRun[];
  summary: {
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    ratio: number;
    notOk: number;
    /** The original's requests/s (ORIGINAL_PER_SECOND), where there is a figure. */
    original?: number;
  };
};
export type RestReport = {
  seconds: number;
  connections: number;
  routes: RestRoute[];
  /** send_message_to_user's answer into the DM (its bytes, the messages it holds), at DM_HISTORY messages and after the load. */
  dmAnswer: { before: DmAnswer; after: DmAnswer; historyBefore: number; historyAfter: number };
};

const FLOOR = "worker floor (unknown route)";

function routes(chat: Chat): Route[] {
  return [
    { name: FLOOR, method: "GET", path: "/api/v1/no-such-route/" },
    {
      name: "access_token",
      method: "POST",
      path: "/api/v1/access_token/",
      body: { username: "bench2", password: "bench-password" },
      original: ORIGINAL_PER_SECOND.signIn,
    },
    {
      name: "get_available_users (200)",
      method: "GET",
      path: "/api/v1/profiles/get_available_users/",
      token: true,
      original: ORIGINAL_PER_SECOND.userList,
    },
    {
      name: "get_available_users ?full_name=",
      method: "GET",
      path: "/api/v1/profiles/get_available_users/?full_name=Person%2012",
      token: true,
      original: ORIGINAL_PER_SECOND.userSearch,
    },
    {
      name: `send_message_to_user (DM of ${DM_HISTORY}+)`,
      method: "POST",
      path: "/api/v1/send_message_to_user/",
      body: { user_id: 2, message: "hello over REST" },
      token: true,
      original: ORIGINAL_PER_SECOND.sendIntoDmOf5000,
    },
    {
      name: "send_message_to_room",
      method: "POST",
      path: "/api/v1/send_message_to_room/",
      body: { group_id: chat.rooms.get(10), message: "hello room over REST" },
      token: true,
      original: ORIGINAL_PER_SECOND.sendToRoom,
    },
    {
      name: "send_message_to_room, 1 connection",
      method: "POST",
      path: "/api/v1/send_message_to_room/",
      body: { group_id: chat.rooms.get(10), message: "one after another" },
      token: true,
      connections: 1,
    },
  ];
}

async function load(chat: Chat, route: Route, token: string): Promise<RestRun> {
  const result = await autocannon({
    url: `${chat.url}${route.path}`,
    method: route.method,
    connections: route.connections ?? CONNECTIONS,
    duration: SECONDS,
    headers: {
      ...(route.body ? { "content-type": "application/json" } : {}),
      ...(route.token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: route.body ? JSON.stringify(route.body) : undefined,
  });
  const expectedNotOk = route.name === FLOOR;
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result["2xx"],
    notOk: expectedNotOk ? 0 : result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

type DmAnswer = { bytes: number; messages: number };

/** The size of send_message_to_user's answer into the DM of bench0 and bench1. */
async function dmAnswer(chat: Chat, token: string): Promise<DmAnswer> {
  const answer = await fetch(`${chat.url}/api/v1/send_message_to_user/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ user_id: 2, message: "how big is the answer?" }),
  });
  if (answer.status !== 201) throw new Error(`send_message_to_user answered ${answer.status}`);
  const text = await answer.text();
  return { bytes: Buffer.byteLength(text), messages: (JSON.parse(text) as { messages: unknown[] }).messages.length };
}

/** Every route for SECONDS per repeat, the floor first in each repeat. */
export async function measureRest(chat: Chat, repeats: number): Promise<RestReport> {
  const list = routes(chat);
  const runs = new Map(list.map((route) => [route.name, [] as RestRun[]]));
  // Tokens last 5 minutes: a fresh one for the size check and for each repeat.
  const before = await dmAnswer(chat, await chat.signIn("bench0"));
  for (let repeat = 0; repeat < repeats; repeat++) {
    const token = await chat.signIn("bench0");
    for (const route of list) {
      const run = await load(chat, route, token);
      runs.get(route.name)!.push(run);
      console.log(
        `  REST ${route.name}, repeat ${repeat + 1}: ${run.requestsPerSecond.toFixed(0)} requests/s, p99 ${run.p99Ms} ms`,
      );
    }
  }
  const after = await dmAnswer(chat, await chat.signIn("bench0"));
  const sentToDm = runs.get(list[4].name)!.reduce((total, run) => total + run.ok, 0);
  const floor = median(runs.get(FLOOR)!.map((run) => run.requestsPerSecond));
  return {
    seconds: SECONDS,
    connections: CONNECTIONS,
    routes: list.map((route) => {
      const mine = runs.get(route.name)!;
      const requestsPerSecond = median(mine.map((run) => run.requestsPerSecond));
      return {
        name: route.name,
        runs: mine,
        summary: {
          requestsPerSecond,
          p50Ms: median(mine.map((run) => run.p50Ms)),
          p99Ms: median(mine.map((run) => run.p99Ms)),
          ratio: requestsPerSecond / floor,
          notOk: mine.reduce((total, run) => total + run.notOk + run.errors, 0),
          original: route.original,
        },
      };
    }),
    dmAnswer: { before, after, historyBefore: DM_HISTORY + 1, historyAfter: DM_HISTORY + 2 + sentToDm },
  };
}
