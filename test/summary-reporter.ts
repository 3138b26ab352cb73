// Vitest reporter that ends the run with one plain line CI reads: `tests: N passed, N failed[, N skipped]`.
// It runs after the default reporter, so its line is the last one printed.
import type { Reporter, TestModule, TestSuite, Vitest } from 'vitest/node';

export class SummaryReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else if (state === 'skipped') skipped += 1;
      }
      // A file that cannot be imported, or a failing beforeAll/afterAll, fails the run without failing
      // any test; count each such file or suite once so the line never reads "0 failed" on a red run.
      const suites: Array<TestModule | TestSuite> = [testModule, ...testModule.children.allSuites()];
      failed += suites.filter((suite) => suite.errors().length > 0).length;
    }
    failed += unhandledErrors.length;
    const line = `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    if (this.#vitest) this.#vitest.logger.log(line);
    else console.log(line);
  }
}
