const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

/** How many of the slowest test files the run's end lists. */
const SLOWEST = 15;

/**
 * Prints one plain closing line, "tests: N passed, N failed, N skipped", that CI can read. Before
 * it, the slowest test files of the run; every file's wall time (slowest first) is written to
 * test-results/suite-times.json, so that where the suite's time goes is visible run after run.
 */
class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.suites = [];
  }

  onTestResult(_test, result) {
    const { start, end } = result.perfStats;
    this.suites.push({
      path: relative(this.rootDir, result.testFilePath),
      seconds: Math.round(end - start) / 1000,
      tests: result.numPassingTests + result.numFailingTests + result.numPendingTests + result.numTodoTests,
      failed: result.numFailingTests > 0 || result.testExecError !== undefined,
    });
  }

  onRunComplete(_contexts, results) {
    const suites = [...this.suites].sort((a, b) => b.seconds - a.seconds);
    const total = suites.reduce((sum, s) => sum + s.seconds, 0);
    const dir = join(this.rootDir, 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'suite-times.json'),
      `${JSON.stringify({ finishedAt: new Date().toISOString(), totalSeconds: Math.round(total), suites }, null, 2)}\n`,
    );
    if (suites.length > 1) {
      const width = Math.max(...suites.slice(0, SLOWEST).map((s) => s.path.length));
      const lines = suites
        .slice(0, SLOWEST)
        .map((s) => `  ${s.path.padEnd(width)}  ${s.seconds.toFixed(1).padStart(7)} s`);
      process.stdout.write(
        `\nslowest test files (of ${suites.length}, ${Math.round(total)} s in all; every one in test-results/suite-times.json):\n${lines.join('\n')}\n`,
      );
    }
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(
      `\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
