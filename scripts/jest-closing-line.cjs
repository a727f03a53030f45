// A Jest reporter that ends the run with one plain line, "tests: N passed, N failed,
// N skipped". Jest's own summary ("Tests: 3 passed, 3 total") is a shape CI does not read,
// so without this line a green run is taken for one that ran nothing.
// A suite that could not run at all (a syntax error, a failing import) counts as a failure.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
    // Jest's summary reporter runs after custom ones; the line waits for the process's exit
    // so that it comes after that summary, last.
    process.once('exit', () => process.stdout.write(`\n${line}\n`));
  }
}

module.exports = ClosingLineReporter;
