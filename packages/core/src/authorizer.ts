/**
 * `createAuthorizer(options)`: the framework-agnostic core every adapter calls. One request goes through:
 *
 *   RFC 9728 metadata? → token (RFC 6750) → verification (jose, JWKS) → input document (HTTP, MCP/OAuth, hook)
 *   → policy evaluation (OPA Wasm SDK) → decision log → allow, or a denial shaped for the request's protocol.
 *
 * `authorize` never rejects: every failure becomes a response, and every failure that is ours (evaluation error,
 * unexpected exception) is a 500, every unavailable issuer a 503: authorization fails closed.
 */
import './v8-hazard'; // first: before any policy module is instantiated or called
import { normaliseEntrypoint } from '@opa-jwt/rego';
import type { AuthResult, Authorizer, CoreRequest, Decision, Outcome, RouteOverrides } from './contract';
import { denialError, errorOutcome, interpretResult, type Interpretation, type RespondOutcome } from './decision';
import { elapsedNs, newDecisionId, nowNs, redactInput, redactResult, type DecisionLogEntry } from './decision-log';
import { OpaJwtError, PolicyEvaluationError, UnauthorizedError, withoutStack } from './errors';
import { applyInputHook, buildInput, normaliseIp, type PolicyInput } from './input';
import { errorFields, RateLimitedLog } from './logger';
import { resolveOptions, type AuthorizerOptions, type ResolvedOptions } from './options';
import { PolicyStore } from './policy/policy-store';
import { MalformedTargetError, requestTarget, type RequestTarget } from './request-target';
import type { Evaluation } from './policy/engine';
import { enrichProtocolInput, pathOf, serveWellKnown, shapeDenial } from './protocols';
import { extractToken, type ExtractedToken } from './token';
import { TokenVerifier, type VerifiedToken } from './verify';

/** Per-request timings, reported as the decision log's `metrics`. */
interface Timings {
  start: bigint;
  verifyNs: number;
  inputNs: number;
  evalNs: number;
}

export class OpaJwtAuthorizer implements Authorizer {
  readonly options: ResolvedOptions;
  readonly verifier: TokenVerifier;
  readonly policies: PolicyStore;
  /** The start-up attempt: rejects with the first start-up error (what `ready()` returns). */
  private readonly starting: Promise<void>;
  /** Resolves when every part of the start-up attempt settled: requests arriving earlier wait, then look at what is in force. */
  private readonly startedOrFailed: Promise<void>;
  /** A `logger` was given: decision log entries go to its `info` (the default console logger drops them). */
  private readonly loggerGiven: boolean;
  /** Per-route entrypoints (`data.pkg.rule`, `pkg.rule`) as the SDK names them, normalised once per spelling. */
  private readonly routeEntrypoints = new Map<string, string>();
  /** Refusals of malformed input (targets, bodies, claims): logged at most once a minute per reason. */
  private readonly malformedLog: RateLimitedLog;
  /** Refusals caused by the app's own set-up (e.g. no body parser before opa-jwt), as often as clients send them. */
  private readonly configErrorLog: RateLimitedLog;

  constructor(options: AuthorizerOptions) {
    this.options = resolveOptions(options);
    const { logger } = this.options;
    this.verifier = new TokenVerifier(this.options, logger);
    this.policies = new PolicyStore({
      spec: this.options.policy,
      entrypoint: this.options.entrypoint,
      data: this.options.data,
      v0Compatible: this.options.v0Compatible,
      watch: this.options.watch,
      logger,
      limits: { evaluationTimeout: this.options.evaluationTimeout, maxPolicyMemory: this.options.maxPolicyMemory },
    });
    this.loggerGiven = options.logger !== undefined;
    this.malformedLog = new RateLimitedLog((fields, message) => logger.info(fields, message));
    this.configErrorLog = new RateLimitedLog((fields, message) => logger.error(fields, message));
    const policyStart = this.policies.start();
    // Reported once, here, for every adapter. What happens next is decided per request by what is in force, not by
    // this promise: with `watch`, a good version saved later is put in force (logged as recovered).
    policyStart.catch((error: unknown) => {
      const until = this.options.watch ? 'until a version that loads is saved (the policy is being watched)' : 'until the process is restarted with a policy that loads';
      logger.error(errorFields(error), `opa-jwt: the authorizer failed to start: the policy could not be loaded; every request is denied (500) ${until}`);
    });
    // Logs each issuer that could not be discovered; those are retried on demand (503 meanwhile), see TrustedIssuer.
    const verifierStart = this.verifier.start();
    this.starting = Promise.all([policyStart, verifierStart]).then(() => undefined);
    this.starting.catch(() => undefined); // logged above: an unawaited ready() must not crash the process
    // Both settled, not the first failure: a policy still compiling when discovery fails must not look missing.
    this.startedOrFailed = Promise.allSettled([policyStart, verifierStart]).then(() => undefined);
  }

  ready(): Promise<void> {
    return this.starting;
  }

  async close(): Promise<void> {
    this.verifier.close();
    await this.policies.close();
  }

  async authorize(request: CoreRequest, route?: RouteOverrides): Promise<Outcome> {
    await this.startedOrFailed;
    // No policy in force (it failed to load at start-up and, without `watch` or until a good version is saved, none
    // has since): fail closed. The cause was logged once, at start-up. An issuer that could not be discovered is
    // the verifier's business: its tokens are answered 503 while discovery is retried.
    if (!this.policies.current) return this.deny(request, new PolicyEvaluationError(), undefined);
    try {
      return await this.decide(request, route);
    } catch (error) {
      if (error instanceof OpaJwtError) return this.deny(request, error, undefined);
      this.options.logger.error({ ...errorFields(error), method: request.method, url: pathOf(request.url) }, 'opa-jwt: authorization failed unexpectedly');
      return this.deny(request, new PolicyEvaluationError({ cause: error }), undefined);
    }
  }

  private async decide(request: CoreRequest, route: RouteOverrides | undefined): Promise<Outcome> {
    const timings: Timings = { start: nowNs(), verifyNs: 0, inputNs: 0, evalNs: 0 };
    if (route?.skip) {
      return { type: 'allow', auth: { decision: { allowed: true, result: undefined, decisionId: newDecisionId() } }, headers: {} };
    }
    const wellKnown = serveWellKnown(request, this.options.protocols);
    if (wellKnown) return wellKnown;
    // First: a target the policy could not be shown faithfully is refused before anything else is spent on it.
    let target: RequestTarget;
    try {
      target = requestTarget(request.url, request.routing);
    } catch (error) {
      if (error instanceof MalformedTargetError) this.logMalformed(error.reason, error.description, request);
      throw error;
    }

    let extracted: ExtractedToken | undefined;
    try {
      extracted = extractToken(request, this.options.bearerMethods);
    } catch (error) {
      this.logRefusal(error, request, 'request');
      throw error;
    }
    let verified: VerifiedToken | undefined;
    if (extracted) {
      const verifyStart = nowNs();
      verified = await this.verifyBearer(extracted.token, request);
      timings.verifyNs = elapsedNs(verifyStart);
    } else if (this.options.authRequired) {
      throw withoutStack(() => new UnauthorizedError()); // an answer, not a fault: no stack to capture
    }

    const inputStart = nowNs();
    const enrichment = await enrichProtocolInput(request, this.options.protocols, (token) => this.verifyExchanged(token, request));
    if (enrichment.type === 'respond') {
      this.logProtocolRefusal(enrichment, request);
      return this.shape(request, enrichment, undefined);
    }
    let input = buildInput(request, verified, target);
    Object.assign(input.request, enrichment.request);
    // Without a hook, no await: it would cost every request a promise and a trip through the microtask queue.
    if (this.options.input) {
      try {
        input = await applyInputHook(this.options.input, input, { request, token: verified });
      } catch (error) {
        this.options.logger.error(errorFields(error), 'opa-jwt: the input hook failed; request denied');
        throw new PolicyEvaluationError({ cause: error });
      }
    }
    timings.inputNs = elapsedNs(inputStart);

    const policy = this.policies.current;
    if (!policy) throw new PolicyEvaluationError({ cause: new Error('no policy is loaded') });
    const entrypoint = route?.entrypoint === undefined ? policy.defaultEntrypoint : this.routeEntrypoint(route.entrypoint);
    const decisionId = newDecisionId();
    const evalStart = nowNs();
    let evaluation: Evaluation | undefined;
    let failure: Error | undefined;
    // Serialised once, here, for the SDK and for the decision log (which would otherwise serialise it again). An
    // input that does not serialise (a hook's BigInt or cycle) takes the SDK's own path, which reports the error.
    const json = serialised(input);
    try {
      evaluation = json === undefined ? policy.evaluate(input, entrypoint) : policy.evaluateJson(json, entrypoint);
    } catch (error) {
      failure = error as Error;
    }
    timings.evalNs = elapsedNs(evalStart);

    const interpretation: Interpretation = evaluation ? interpretResult(evaluation.value) : { allowed: false };
    const decision: Decision = { allowed: interpretation.allowed, result: evaluation?.value, decisionId };
    if (interpretation.externalMessage !== undefined) decision.externalMessage = interpretation.externalMessage;
    if (interpretation.internalMessage !== undefined) decision.internalMessage = interpretation.internalMessage;
    this.logDecision(request, input, json, entrypoint, decision, failure, timings);
    const idHeader: Record<string, string> = this.options.decisionIdHeader ? { [this.options.decisionIdHeader]: decisionId } : {};

    if (failure) {
      this.options.logger.error({ decision_id: decisionId, entrypoint, ...errorFields(failure) }, 'opa-jwt: policy evaluation failed; request denied (500)');
      return this.deny(request, new PolicyEvaluationError({ cause: failure }), decision, idHeader);
    }
    if (decision.allowed) {
      const auth: AuthResult = { decision };
      if (extracted && verified) Object.assign(auth, { token: extracted.token, header: verified.header, payload: verified.payload });
      return { type: 'allow', auth, headers: idHeader };
    }
    // A token request (RFC 6749 §3.2) carries its own credentials (the grant, the client's): its denial is a
    // refusal of the grant (shaped to 400 by the OAuth layer), not a request for a bearer token.
    const hasCredentials = verified !== undefined || input.request.oauth !== undefined;
    return this.deny(request, denialError(interpretation, hasCredentials), decision, idHeader);
  }

  /** `data.pkg.rule`, `pkg.rule` and `pkg/rule` all name the same rule; logs and the SDK use `pkg/rule`. */
  private routeEntrypoint(given: string): string {
    let name = this.routeEntrypoints.get(given);
    if (name === undefined) {
      name = normaliseEntrypoint(given).name;
      // Routes are few and fixed; the bound only guards against an application building names per request.
      if (this.routeEntrypoints.size >= 256) this.routeEntrypoints.clear();
      this.routeEntrypoints.set(given, name);
    }
    return name;
  }

  private async verifyBearer(token: string, request: CoreRequest): Promise<VerifiedToken> {
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      this.logRefusal(error, request, 'bearer token');
      throw error;
    }
  }

  /** Token-exchange subject/actor tokens: verified with the same issuers; the OAuth layer turns failures into invalid_grant. */
  private async verifyExchanged(token: string, request: CoreRequest) {
    try {
      return (await this.verifier.verify(token)).payload;
    } catch (error) {
      this.logRefusal(error, request, 'token-exchange token');
      throw error instanceof OpaJwtError ? new Error(error.description) : error;
    }
  }

  /** Every refused token (or malformed request for one) is logged with its reason, never with the token. */
  private logRefusal(error: unknown, request: CoreRequest, what: string): void {
    const reason = (error as { reason?: unknown }).reason;
    const code = (error as { code?: unknown }).code;
    const fields = {
      reason: typeof reason === 'string' ? reason : typeof code === 'string' ? code : (error as Error).name,
      description: (error as OpaJwtError).description ?? (error as Error).message,
      cause: (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : undefined,
      method: request.method,
      path: pathOf(request.url),
      ip: request.ip === undefined ? undefined : normaliseIp(request.ip),
    };
    if ((error as OpaJwtError).status === 503) this.options.logger.error(fields, `opa-jwt: ${what} could not be verified: issuer keys unavailable`);
    else if (fields.reason === 'nested_too_deep') this.malformedLog.log(fields.reason, fields, `opa-jwt: ${what} refused`);
    else this.options.logger.info(fields, `opa-jwt: ${what} refused`);
  }

  /** Input a client controls and got wrong: rate-limited, without the raw target (it may carry a query token). */
  private logMalformed(reason: string, description: string, request: CoreRequest): void {
    const fields = { reason, description, method: request.method, ip: request.ip === undefined ? undefined : normaliseIp(request.ip) };
    this.malformedLog.log(reason, fields, 'opa-jwt: malformed request refused (400); further ones for this reason are counted, not logged, for a minute');
  }

  /**
   * A body the protocol layer refused before the policy ran (too large, too deep, a JSON-RPC batch, a malformed token
   * request, or unparsed JSON: the app's configuration error, logged as an error).
   */
  private logProtocolRefusal(outcome: RespondOutcome, request: CoreRequest): void {
    const body = (outcome.body ?? {}) as { error?: unknown; error_description?: unknown };
    const rpcError = typeof body.error === 'object' && body.error !== null ? (body.error as { message?: unknown }) : undefined;
    const unparsed = outcome.status === 500;
    const reason = outcome.status === 413 ? 'body_too_large' : unparsed ? 'body_not_parsed' : typeof body.error === 'string' ? body.error : 'invalid_request';
    // Rate-limited: the body is the client's to get wrong, as often as it likes.
    (unparsed ? this.configErrorLog : this.malformedLog).log(
      `body:${reason}`,
      {
        reason,
        description: typeof body.error_description === 'string' ? body.error_description : rpcError?.message,
        status: outcome.status,
        method: request.method,
        path: pathOf(request.url),
        ip: request.ip === undefined ? undefined : normaliseIp(request.ip),
      },
      unparsed ? 'opa-jwt: a JSON request body reached opa-jwt unparsed; mount a JSON body parser before it (request refused)' : 'opa-jwt: request refused',
    );
  }

  private deny(request: CoreRequest, error: OpaJwtError, decision: Decision | undefined, extraHeaders: Record<string, string> = {}): RespondOutcome {
    return this.shape(request, errorOutcome(error, this.options.realm, extraHeaders), decision);
  }

  private shape(request: CoreRequest, outcome: RespondOutcome, decision: Decision | undefined): RespondOutcome {
    return shapeDenial(request, outcome, decision, this.options.protocols);
  }

  private logDecision(request: CoreRequest, input: PolicyInput, json: string | undefined, entrypoint: string, decision: Decision, failure: Error | undefined, timings: Timings): void {
    const { logger, onDecision } = this.options;
    // Building an entry costs a copy of the input: only when someone reads it (pino's level checked per request,
    // since levels can change at run time).
    const toLogger = this.loggerGiven && (logger.isLevelEnabled === undefined || logger.isLevelEnabled('info'));
    if (!toLogger && !onDecision) return;
    let redacted: { input: unknown; masked: string[]; secrets: string[] };
    try {
      redacted = redactInput(input, json);
    } catch (error) {
      redacted = { input: '[input could not be serialised]', masked: [], secrets: [] };
      logger.warn(errorFields(error), 'opa-jwt: decision log input could not be serialised');
    }
    const entry: DecisionLogEntry = {
      decision_id: decision.decisionId,
      timestamp: new Date().toISOString(),
      path: entrypoint,
      input: redacted.input,
      labels: { app: 'opa-jwt' },
      metrics: {
        timer_token_verify_ns: timings.verifyNs,
        timer_rego_input_parse_ns: timings.inputNs,
        timer_rego_query_eval_ns: timings.evalNs,
        timer_server_handler_ns: elapsedNs(timings.start),
      },
    };
    if (decision.result !== undefined) entry.result = redactResult(decision.result, redacted.secrets, redacted.masked);
    if (request.ip) entry.requested_by = normaliseIp(request.ip);
    if (redacted.masked.length > 0) entry.masked = redacted.masked;
    if (failure) entry.error = { code: 'eval_error', message: failure.message };
    if (toLogger) logger.info(entry, 'Decision Log');
    if (onDecision) {
      try {
        const returned = onDecision(entry);
        if (returned && typeof (returned).catch === 'function') {
          (returned).catch((error: unknown) => logger.warn(errorFields(error), 'opa-jwt: onDecision failed'));
        }
      } catch (error) {
        logger.warn(errorFields(error), 'opa-jwt: onDecision failed');
      }
    }
  }
}

/** `JSON.stringify(input)`, or undefined when it throws or yields no text. */
function serialised(input: PolicyInput): string | undefined {
  try {
    return JSON.stringify(input);
  } catch {
    return undefined;
  }
}

/**
 * Creates the authorizer. Validates every option at once (throws an `InvalidOptionError` naming the bad one) and
 * starts loading the policy and discovering the issuers; `ready()` resolves when both are done and rejects with the
 * first start-up error. Requests are decided by what is in force when they arrive: see `authorize`.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  return new OpaJwtAuthorizer(options);
}
