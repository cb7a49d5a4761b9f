/**
 * A vitest reporter for `npm test`: counts tests over every project and writes
 * `{ passed, failed, skipped }` as JSON to the file named by CONDOR_TEST_SUMMARY, for
 * scripts/test.ts to add to its final line. A test file that failed to load and an error
 * no test caught each count as one failure, so they cannot pass unseen.
 */
import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";

export type TestSummary = { passed: number; failed: number; skipped: number };

export default class TestSummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[]) {
    const summary: TestSummary = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const { state } = test.result();
        if (state === "passed") summary.passed += 1;
        else if (state === "failed") failedHere += 1;
        // Skipped, todo, and tests that never ran (a run cut short).
        else summary.skipped += 1;
      }
      if (failedHere === 0 && module.errors().length > 0) failedHere = 1;
      summary.failed += failedHere;
    }
    const file = process.env.CONDOR_TEST_SUMMARY;
    if (file) writeFileSync(file, JSON.stringify(summary));
  }
}
