/**
 * Ends every jest run with one plain line, `jest: N passed, M failed[, K skipped]`, so that whatever reads the
 * last lines of the output (CI) counts the whole run, not the per-suite lines that some tests print (the Rego
 * conformance runner prints its own `N passed, M failed` with the known failures it tolerates).
 */
const SHOWN_SKIPPED = 10;

class SummaryReporter {
  onRunComplete(_contexts, results) {
    // A suite that fails to load counts no failed test of its own: count it, so the line never reads "0 failed".
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    // Skipped tests say why in their names (e.g. ../shared is absent in a newcomer's clone): list a few.
    const names = results.testResults.flatMap((file) =>
      file.testResults.filter((t) => t.status === 'pending' || t.status === 'todo').map((t) => t.fullName),
    );
    const lines = names.slice(0, SHOWN_SKIPPED).map((name) => `skipped: ${name}`);
    if (names.length > SHOWN_SKIPPED) lines.push(`skipped: ... and ${names.length - SHOWN_SKIPPED} more`);
    lines.push(`jest: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    // jest always adds its own summary reporter after the configured ones: print once it has written its lines.
    process.once('exit', () => process.stderr.write(`${lines.join('\n')}\n`));
  }
}

module.exports = SummaryReporter;
