/**
 * `npm run bench`: how Condor Chat performs on this machine, each figure beside a baseline
 * measured in the same run (the machine is shared and noisy, so only ratios and medians
 * over repeats mean much). It starts the app as `npm start` does, with wrangler's local
 * tracing off (X_LOCAL_OBSERVABILITY=false), on loopback only, and stops everything it
 * started, also on Ctrl-C or failure. It prints a table and writes it as JSON under
 * bench-results/ (git-ignored). It asserts nothing about speed.
 *
 *   npm run bench -- [--repeats 3] [--only fan-out,push,rest,page,cost,upload,scale,search] [--search-messages 1000]
 *                    [--push-messages 3000]
 *   npm run bench -- --only profile     # a CPU profile of a room of 10 sending flat out
 *
 * Parts: fan-out over WebSockets (scripts/bench/fan-out.ts) against a bare Durable Object
 * relay in the same runtime, plain and committing each frame (bare-room.ts), and a `ws` relay;
 * fan-out with 10 Web Push subscriptions in the room beside without, with the pushes a message
 * and their delay from commit to a loopback push service (push.ts); REST
 * with autocannon (rest.ts), first-load page weight in Chromium (page-weight.ts), and
 * the D1 queries, Durable Object requests and Upstash commands one message costs (cost.ts),
 * D1 and the room list with many rooms full of messages (scale.ts), and message search for a
 * member of 1, 20 and 200 rooms (search.ts), and a 20 MiB upload beside a plain R2 put (upload.ts).
 * `profile` (profile.ts) is not part of a plain run: the profiler slows what it watches.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { BENCH_ENV, buildClient, PROJECT_ROOT, type Stoppable, startChat } from "./bench/app.ts";
import { startBareObjects } from "./bench/bare-object.ts";
import { type CostReport, measureCost } from "./bench/cost.ts";
import { type FanOutReport, measureFanOut } from "./bench/fan-out.ts";
import { measurePageWeight, type PageWeight } from "./bench/page-weight.ts";
import { type ProfileReport, profileFanOut } from "./bench/profile.ts";
import { measurePush, type PushReport } from "./bench/push.ts";
import { startRelay } from "./bench/relay.ts";
import { measureRest, type RestReport } from "./bench/rest.ts";
import { measureScale, type ScaleReport } from "./bench/scale.ts";
import { measureSearch, SEARCH_MESSAGES_A_ROOM, type SearchReport } from "./bench/search.ts";
import { printReport } from "./bench/table.ts";
import { measureUpload, type UploadReport } from "./bench/upload.ts";

const PARTS = ["fan-out", "push", "rest", "page", "cost", "upload", "scale", "search", "profile"] as const;
type Part = (typeof PARTS)[number];
const EVERY_RUN: Part[] = ["fan-out", "push", "rest", "page", "cost", "upload", "scale", "search"];

export type BenchReport = {
  at: string;
  repeats: number;
  environment: Record<string, string>;
  fanOut?: FanOutReport;
  push?: PushReport;
  rest?: RestReport;
  page?: PageWeight;
  cost?: CostReport;
  scale?: ScaleReport;
  profile?: Omit<ProfileReport, "profile">;
  search?: SearchReport;
  upload?: UploadReport;
};

const { values } = parseArgs({
  options: {
    repeats: { type: "string", default: "3" },
    only: { type: "string", default: EVERY_RUN.join(",") },
    "search-messages": { type: "string", default: String(SEARCH_MESSAGES_A_ROOM) },
    "push-messages": { type: "string", default: "3000" },
  },
});
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20)
  throw new Error("--repeats is a whole number from 1 to 20");
const only = new Set(values.only!.split(",").map((part) => part.trim()));
for (const part of only)
  if (!PARTS.includes(part as Part)) throw new Error(`--only takes ${PARTS.join(", ")}; not ${part}`);
const searchMessages = Number(values["search-messages"]);
if (!Number.isInteger(searchMessages) || searchMessages < 1 || searchMessages > 100_000)
  throw new Error("--search-messages is a whole number from 1 to 100000");

const pushMessages = Number(values["push-messages"]);
if (!Number.isInteger(pushMessages) || pushMessages < 10 || pushMessages > 100_000)
  throw new Error("--push-messages is a whole number from 10 to 100000");

process.env.WRANGLER_SEND_METRICS = "false";
Object.assign(process.env, BENCH_ENV);

/** What is running now, stopped last-started first. */
const running: Stoppable[] = [];
async function stopAll() {
  while (running.length > 0)
    await running
      .pop()!
      .stop()
      .catch((error) => console.error("stopping failed:", error));
}
async function started<T extends Stoppable>(thing: Promise<T>): Promise<T> {
  const it = await thing;
  running.push(it);
  return it;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping what the bench started...`);
    void stopAll().then(() => process.exit(130));
  });
}

async function main() {
  const report: BenchReport = {
    at: new Date().toISOString(),
    repeats,
    environment: { ...BENCH_ENV, node: process.version },
  };
  console.log(
    `Bench: ${repeats} repeat(s) of ${[...only].join(", ")}; wrangler dev with X_LOCAL_OBSERVABILITY=false (local tracing off).`,
  );
  console.log("> Building the client (vite build)");
  buildClient();
  const folder = path.join(PROJECT_ROOT, "bench-results");
  mkdirSync(folder, { recursive: true });
  const stamp = report.at.replace(/[:.]/g, "-");
  if (["fan-out", "push", "rest", "page", "profile"].some((part) => only.has(part))) {
    console.log(
      "> Starting Condor Chat (wrangler dev), the bare Durable Objects (another wrangler dev) and the ws relay",
    );
    const chat = await started(startChat());
    if (only.has("fan-out")) {
      const relay = await started(startRelay());
      const { bare, committing } = await started(startBareObjects());
      report.fanOut = await measureFanOut(chat, { relay, bare, committing }, repeats);
    }
    if (only.has("push")) report.push = await measurePush(chat, repeats, pushMessages);
    if (only.has("rest")) report.rest = await measureRest(chat, repeats);
    if (only.has("page")) report.page = await measurePageWeight(chat);
    if (only.has("profile")) {
      const { profile, ...summary } = await profileFanOut(chat);
      report.profile = summary;
      const file = path.join(folder, `profile-${stamp}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`  profile: ${path.relative(PROJECT_ROOT, file)} (open it in Chrome DevTools, Performance tab)`);
    }
    await stopAll();
  }
  if (only.has("cost") || only.has("upload")) {
    // The counting build: it also has the plain R2 put the upload part compares with.
    console.log("> Starting the counting build of Condor Chat");
    const chat = await started(startChat({ counting: true }));
    if (only.has("cost")) report.cost = await measureCost(chat);
    if (only.has("upload")) report.upload = await measureUpload(chat, repeats);
    await stopAll();
  }
  if (only.has("scale")) {
    console.log("> Starting Condor Chat for the scale run");
    const chat = await started(startChat());
    report.scale = await measureScale(chat);
    await stopAll();
  }
  if (only.has("search")) {
    console.log("> Starting Condor Chat for search (its rooms and messages stay out of the other parts)");
    const chat = await started(startChat());
    report.search = await measureSearch(chat, repeats, searchMessages);
    await stopAll();
  }
  printReport(report);
  const file = path.join(folder, `bench-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(folder, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(PROJECT_ROOT, file)} (and bench-results/latest.json).`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
