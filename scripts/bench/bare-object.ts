/**
 * Starts the bare Durable Object relay (scripts/bench/bare-room.ts) under `wrangler dev`
 * with the app's bench settings, on a config of its own in a directory of its own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevServer } from "../dev-server.ts";
import { BENCH_ENV, PROJECT_ROOT } from "./app.ts";
import type { Relay } from "./relay.ts";

/** The two bare relays of one wrangler dev: plain, and committing each frame first. */
export type BareObjects = { bare: Relay; committing: Relay; stop(): Promise<void> };

export async function startBareObjects(): Promise<BareObjects> {
  const dir = mkdtempSync(path.join(tmpdir(), "condor-bench-bare-"));
  const compatibilityDate = /^compatibility_date = "(.*)"$/m.exec(
    readFileSync(path.join(PROJECT_ROOT, "wrangler.toml"), "utf8"),
  )![1];
  const configPath = path.join(dir, "wrangler.toml");
  writeFileSync(
    configPath,
    [
      'name = "condor-bench-bare-room"',
      `main = ${JSON.stringify(path.join(PROJECT_ROOT, "scripts", "bench", "bare-room.ts"))}`,
      `compatibility_date = "${compatibilityDate}"`,
      // Bundled as the app is (wrangler.toml).
      "keep_names = false",
      '[[durable_objects.bindings]]\nname = "BARE"\nclass_name = "BareRoom"',
      '[[durable_objects.bindings]]\nname = "COMMITTING"\nclass_name = "CommittingRoom"',
      '[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["BareRoom", "CommittingRoom"]',
    ].join("\n"),
  );
  let server: Awaited<ReturnType<typeof startDevServer>>;
  try {
    server = await startDevServer([], { configPath, env: BENCH_ENV });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const ws = server.url.replace("http", "ws");
  // Both relays are one process tree: its CPU is theirs, measured one run at a time.
  const relay = (kind: string): Relay => ({ url: `${ws}/${kind}`, pid: server.pid, stop });
  return { bare: relay("bare"), committing: relay("committing"), stop };
}
