/**
 * The real D1 and R2 bindings, wrapped so that chosen calls fail the way the services fail
 * (a lost connection, an internal error): for tests of what a client sees then, and that
 * nothing is left half-written. Every other call goes to the real binding. Pass them as
 * `settings` to `call` (test/support/api.ts).
 */

/** Which calls fail, counting from 1: every call, or only the nth. */
export type Failing = { calls: "all" } | { calls: "nth"; n: number };

/** Counts calls and says whether this one fails. */
class Fault {
  count = 0;
  constructor(readonly failing: Failing) {}
  next(): boolean {
    this.count += 1;
    return this.failing.calls === "all" || this.count === this.failing.n;
  }
}

/** What D1 throws when it loses its connection mid-call. */
export const d1Failure = () => new Error("D1_ERROR: Network connection lost.");

/** What R2 throws on an internal error: an R2Error with its action and code. */
export function r2Failure(action: string) {
  return Object.assign(new Error(`${action}: We encountered an internal error. Please try again. (10001)`), {
    name: "R2Error",
    code: 10001,
    action,
  });
}

const RUNS = ["all", "raw", "run", "first"] as const;

/** A D1 database whose calls (statements or batches) fail as `failing` says. */
export function failingD1(real: D1Database, failing: Failing): D1Database & { calls(): number } {
  const fault = new Fault(failing);
  const realOf = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values)),
      ...Object.fromEntries(
        RUNS.map((method) => [
          method,
          async (...args: unknown[]) => {
            if (fault.next()) throw d1Failure();
            return (statement[method] as (...a: unknown[]) => unknown)(...args);
          },
        ]),
      ),
    } as unknown as D1PreparedStatement;
    realOf.set(wrapped, statement);
    return wrapped;
  };
  return {
    prepare: (query: string) => wrap(real.prepare(query)),
    batch: async (statements: D1PreparedStatement[]) => {
      if (fault.next()) throw d1Failure();
      return real.batch(statements.map((statement) => realOf.get(statement) ?? statement));
    },
    exec: (query: string) => real.exec(query),
    withSession: () => {
      throw new Error("not used by the app");
    },
    dump: () => real.dump(),
    calls: () => fault.count,
  } as unknown as D1Database & { calls(): number };
}

/** An R2 bucket whose get, put and delete calls fail as `failing` says. */
export function failingR2(real: R2Bucket, failing: Failing): R2Bucket & { calls(): number } {
  const fault = new Fault(failing);
  const guarded =
    (action: "get" | "put" | "delete" | "head") =>
    async (...args: unknown[]) => {
      if (fault.next()) throw r2Failure(action);
      return (real[action] as (...a: unknown[]) => unknown).call(real, ...args);
    };
  return {
    get: guarded("get"),
    put: guarded("put"),
    delete: guarded("delete"),
    head: guarded("head"),
    calls: () => fault.count,
  } as unknown as R2Bucket & { calls(): number };
}
