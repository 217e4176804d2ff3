/**
 * The evaluation budget (runtime/assembly/host.ts). Every module lists this builtin in `builtins()`,
 * after the plan's own host builtins; a host that wants evaluations bounded passes a function under
 * this name, which throws once its deadline has passed, and arms the checks by calling the module's
 * EVALUATION_BUDGET_ARM export with the number of interpreter steps between two calls. Unarmed, the
 * module never calls it, so hosts that do not know it run the module unchanged.
 */
export const EVALUATION_BUDGET_BUILTIN = 'opa-jwt:evaluation_budget';
export const EVALUATION_BUDGET_ARM = 'opajwt_arm_budget';
