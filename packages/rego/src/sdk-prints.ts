/**
 * Where print() output goes. The SDK hands a policy's print() lines (its opa_println import) straight to
 * `console.log` and offers no hook; evaluation is synchronous, so swapping console.log around one call sends
 * exactly that call's lines to `sink`, each ending with a newline, and nothing else.
 */
export function routingPrints<T>(sink: (line: string) => void, run: () => T): T {
  const original = console.log;
  console.log = (...args: unknown[]) => sink(`${args.map(String).join(' ')}\n`);
  try {
    return run();
  } finally {
    console.log = original;
  }
}
