/**
 * Time in tests: fake `Date` alone, so a test moves the clock past an expiry or a cooldown with
 * `jest.setSystemTime` while timers, I/O and microtasks stay real (servers on 127.0.0.1 keep answering).
 */
export function fakeDateOnly(): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}
