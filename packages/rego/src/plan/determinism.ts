/**
 * Whether a plan is deterministic: evaluated twice with the same input and data, it gives the same answer and
 * does nothing else. A host may then remember answers per input instead of evaluating again.
 *
 * Not deterministic: a call of a builtin OPA marks nondeterministic (`time.now_ns`, `rand.intn`,
 * `uuid.rfc4122`, `io.jwt.decode_verify`, which reads the clock when no time is given), and `print`, whose output
 * is expected on every evaluation. Builtins replaced with `with` are still called through the plan's own
 * statements, so they count as called.
 */
import { lookupBuiltin } from '../builtins/catalog';
import type { Program, Stmt } from './ir';
import { reachableFunctions } from './input-reads';

/** For `entrypoint` (`pkg/rule`; every entrypoint when absent). */
export function isDeterministic(plan: Program, entrypoint?: string): boolean {
  const deterministic = (body: Stmt[]): boolean =>
    body.every((stmt) => {
      switch (stmt[0]) {
        case 'print':
          return false;
        case 'call':
          // A builtin the catalog does not know is treated as the host may implement it: not deterministic.
          return lookupBuiltin(stmt[1])?.nondeterministic !== true && lookupBuiltin(stmt[1]) !== undefined;
        case 'scan':
        case 'with':
          return deterministic(stmt[4]);
        case 'block':
          return deterministic(stmt[1]);
        case 'withmock':
          return deterministic(stmt[3]);
        default:
          return true;
      }
    });
  return reachableFunctions(plan, entrypoint).every((func) => deterministic(func.body));
}
