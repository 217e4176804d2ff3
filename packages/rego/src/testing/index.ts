/** Rego unit tests (`test_` rules), run like `opa test` on the stock SDK. */
export { runRegoTests } from './runner';
export type { RegoTestModule, RegoTestOptions, RegoTestResult, RegoTestStatus } from './runner';
export { formatTestReport, formatDuration } from './report';
export type { ReportOptions } from './report';
