/**
 * `npm run manage -- move-history [--remote]`: moves D1's messages and read positions into
 * their rooms, once, on an installation from before the rooms kept their own history; then
 * applies the migration that drops them from D1.
 *
 * The worker does the moving, a batch a request (POST /api/admin/history/move): each batch
 * leaves D1 only once its room answers that it holds every message of it, so the move can be
 * stopped anywhere and run again, and a second run finds nothing to do. The drop refuses to
 * run while D1 holds anything not moved (see HISTORY_NOT_MOVED), so nothing is lost whichever
 * way the migrations are applied.
 */
import { type AdminWorker, adminRequest, withWorker } from "./worker-admin.ts";
import { applyMigrations, type D1Target } from "./wrangler-d1.ts";

/** Messages a request moves, unless told otherwise: about 1 MB of text at most. */
export const DEFAULT_MOVE_BATCH = 200;

type MoveStep =
  | { step: "messages"; room: number; moved: number; first_id: number; last_id: number; room_done: boolean }
  | { step: "reads"; room: number; moved: number }
  | { step: "done" };

export type MoveOptions = { target: D1Target; url?: string; batch?: number };

const plural = (n: number, noun: string) => `${n.toLocaleString("en")} ${noun}${n === 1 ? "" : "s"}`;

async function moveAll(worker: AdminWorker, limit: number) {
  const totals = { rooms: 0, messages: 0, reads: 0 };
  const movedIn = new Map<number, number>();
  let readsFrom = 0;
  for (;;) {
    const step = await adminRequest<MoveStep>(worker, "POST", "/history/move", { limit, reads_from: readsFrom });
    if (step.step === "done") return totals;
    if (step.step === "reads") {
      console.log(`Room ${step.room}: ${plural(step.moved, "read position")} moved.`);
      totals.reads += step.moved;
      readsFrom = step.room;
      continue;
    }
    const sum = (movedIn.get(step.room) ?? 0) + step.moved;
    movedIn.set(step.room, sum);
    totals.messages += step.moved;
    console.log(`Room ${step.room}: ${plural(step.moved, "message")} moved (ids ${step.first_id} to ${step.last_id}).`);
    if (step.room_done) {
      totals.rooms += 1;
      console.log(`Room ${step.room}: moved, ${plural(sum, "message")}; D1 holds none of its messages now.`);
    }
  }
}

/** Moves what D1 holds into the rooms, then applies the drop; resolves once D1 holds no history. */
export async function moveHistory({ target, url, batch = DEFAULT_MOVE_BATCH }: MoveOptions): Promise<void> {
  const where = target.remote ? "deployed" : "local";
  const totals = await withWorker(target, url, (worker) => {
    // The migrations before the drop first: the move needs what they make.
    const before = applyMigrations(target);
    if (before.applied) console.log(`Applied the pending migrations to the ${where} D1 up to the drop of its history.`);
    return moveAll(worker, batch);
  });
  if (totals.messages + totals.reads === 0) console.log("D1 holds no history to move.");
  else {
    console.log(
      `Moved into their rooms: ${plural(totals.messages, "message")} of ${plural(totals.rooms, "room")}, ${plural(totals.reads, "read position")}.`,
    );
  }
  const after = applyMigrations(target);
  if (after.historyToMove) {
    throw new Error(`The ${where} D1 was given more history meanwhile; run move-history again.\n${after.output}`);
  }
  if (after.applied) console.log(`Applied the migration that drops D1's history (${where}).`);
}
