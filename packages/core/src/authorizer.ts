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
import { decisionOf, denialError, errorOutcome, type RespondOutcome } from './decision';
import {
  elapsedNs,
  newDecisionId,
  nowNs,
  redactInPlace,
  redactInput,
  redactResult,
  timestampNow,
  type DecisionLogEntry,
} from './decision-log';
import { decisionLineParts, joinedLine, type LineFacts, type LineParts } from './decision-line';
import { HttpError, PolicyEvaluationError, PolicyUnavailableError, UnauthorizedError, withoutStack } from './errors';
import { Fleet, type FleetHealth } from './fleet/fleet';
import { ALL_INPUT_PARTS, applyInputHook, buildInput, normaliseIp, type PolicyInput } from './input';
import { LogBatches } from './log-batches';
import { errorFields, RateLimitedLog } from './logger';
import { loggedTokenPart } from './logged-token';
import { resolveOptions, type AuthorizerOptions, type ResolvedOptions, type TokenGetter } from './options';
import { PolicyStore } from './policy/policy-store';
import { RefusalDebug } from './refusal-debug';
import { isSharedTarget, MalformedTargetError, requestTarget, routingFlags, type RequestTarget } from './request-target';
import { ResultShapeWarnings } from './result-shape';
import type { EntrypointFacts, Evaluation, PolicyEngine, WrittenDocument } from './policy/engine';
import { enrichProtocolInput, mayEnrichProtocolInput, pathOf, serveWellKnown, shapeDenial } from './protocols';
import { bodyTokens, extractToken, type ExtractedToken, type KnownBearerToken } from './token';
import { findRepeated, rememberRepeated } from './repeated-requests';
import { headerValue } from './oauth/form';
import { readableBody } from './http-body';
import { tokenPartTexts, tokenText } from './token-texts';
import { TokenVerifier, type VerifiedToken } from './verify';

/** Retry-After of the 503 answered while no bundle is active yet. */
const FIRST_BUNDLE_RETRY_AFTER_SECONDS = 5;

/** Per-request timings, reported as the decision log's `metrics`: taken only when the decision is logged. */
interface Timings {
  /** Someone reads this request's decision log entry: it is timed, and the entry is made. */
  logged: boolean;
  /** The logger given is one of them (its level as it was when the request came). */
  toLogger: boolean;
  start: bigint;
  /** The clock's reading at the end of the last phase timed (see `lap`). */
  last: bigint;
  /** Reading the request target and the token, and verifying it. */
  verifyNs: number;
  /** Making the input document (reading a body, the input hook) and its text. */
  inputNs: number;
  evalNs: number;
}

/** What a document `buildInput` made alone was made from (see `logDecision`). */
interface BuiltFrom {
  verified: VerifiedToken | undefined;
  target: RequestTarget;
}

/** `BuiltFrom` of a document evaluated: null unless buildInput made it alone (its target is given then only). */
function builtFrom(verified: VerifiedToken | undefined, target: RequestTarget | undefined): BuiltFrom | null {
  return target === undefined ? null : { verified, target };
}

/**
 * The target answers are remembered by for a document buildInput makes from it (answer-origins.ts): when the policy
 * keeps answers by origin and the target is one object for every request that sends it.
 */
function originOf(request: CoreRequest, facts: EntrypointFacts, target: RequestTarget): RequestTarget | undefined {
  return facts.origins !== undefined && isSharedTarget(request.url) ? target : undefined;
}

/** A decision's log work, done at once or at the end of a busy turn (log-batches.ts). */
interface DecisionLogWork {
  request: CoreRequest;
  input: PolicyInput | undefined;
  json: string | undefined;
  decision: Decision;
  failure: Error | undefined;
  built: BuiltFrom | null;
  facts: LineFacts;
  toLogger: boolean;
}

/** What a log entry or line reads of a request (log-batches.ts), its headers as they are now. */
function detachedRequest(request: CoreRequest): CoreRequest {
  const copy: CoreRequest = { method: request.method, url: request.url, headers: { ...request.headers }, ip: request.ip };
  if (request.routing !== undefined) copy.routing = request.routing;
  if (request.route !== undefined) copy.route = request.route;
  return copy;
}

/**
 * The timings of every decision nobody logs, shared: `lap` leaves them at 0 (the phases write only what it returns),
 * so that such a request makes no object for them.
 */
const UNTIMED: Timings = { logged: false, toLogger: false, start: 0n, last: 0n, verifyNs: 0, inputNs: 0, evalNs: 0 };

export class OpaJwtAuthorizer implements Authorizer {
  readonly options: ResolvedOptions;
  readonly verifier: TokenVerifier;
  readonly policies: PolicyStore;
  /** With `opaConfig`: the bundle clients, decision log uploader and status reporter. */
  readonly fleet?: Fleet;
  /** The start-up attempt: rejects with the first start-up error (what `ready()` returns). */
  private readonly starting: Promise<void>;
  /** Resolves when every part of the start-up attempt settled: requests arriving earlier wait, then look at what is in force. */
  private readonly startedOrFailed: Promise<void>;
  /** `startedOrFailed` has resolved: requests need not wait for it. */
  private settled = false;
  /** A `logger` was given: decision log entries go to its `info` (the default console logger drops them). */
  private readonly loggerGiven: boolean;
  /** Per-route entrypoints (`data.pkg.rule`, `pkg.rule`) as the SDK names them, normalised once per spelling. */
  private readonly routeEntrypoints = new Map<string, string>();
  /** Refusals of malformed input (targets, bodies, claims): logged at most once a minute per reason. */
  private readonly malformedLog: RateLimitedLog;
  /** Refusals caused by the app's own set-up (e.g. no body parser before opa-jwt), as often as clients send them. */
  private readonly configErrorLog: RateLimitedLog;
  /** `DEBUG=opa-jwt`: a debug record of every refusal and why; undefined (no cost) when the switch is off. */
  private readonly refusalDebug?: RefusalDebug;
  /** Policy results of the wrong shape (`"yes"`, `{"allowed": "true"}`): denied, and reported once per shape. */
  private readonly resultShapes: ResultShapeWarnings;
  /** The adapters' decisions logged while the server is busy: together, at the end of each turn of the event loop. */
  private readonly logBatches = new LogBatches<DecisionLogWork>(
    (work) => this.writeLog(work),
    (error) => this.options.logger.warn(errorFields(error), 'opa-jwt: a decision could not be logged'),
  );
  /** Remembered tokens need no syntax check when they come again (see `extractToken`). */
  private readonly knownBearerToken: KnownBearerToken = (authorization) => this.verifier.cache.bearerToken(authorization);
  /** Requests may repeat remembered ones (`answerRepeated`): not when the app reads the token or shapes the document. */
  private readonly repeatable: boolean;

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
    this.repeatable = !this.options.getToken && !this.options.input;
    this.malformedLog = new RateLimitedLog((fields, message) => logger.info(fields, message));
    this.configErrorLog = new RateLimitedLog((fields, message) => logger.error(fields, message));
    this.refusalDebug = RefusalDebug.fromEnvironment(logger, this.loggerGiven, this.verifier.issuers, this.options);
    this.resultShapes = new ResultShapeWarnings((fields, message) => logger.warn(fields, message));
    if (this.options.fleet) {
      const limits = { evaluationTimeout: this.options.evaluationTimeout, maxPolicyMemory: this.options.maxPolicyMemory };
      const activation = {
        entrypoint: this.options.entrypoint,
        data: this.options.data,
        v0Compatible: this.options.v0Compatible,
        limits,
        logger,
      };
      this.fleet = new Fleet(this.options.fleet, activation, logger, (engine) => {
        this.policies.current = engine; // the swap: one assignment, between two evaluations
      });
    }
    const policyStart = this.policies.start();
    // Reported once, here, for every adapter. What happens next is decided per request by what is in force, not by
    // this promise: with `watch`, a good version saved later is put in force (logged as recovered).
    policyStart.catch((error: unknown) => {
      const until = this.options.watch
        ? 'until a version that loads is saved (the policy is being watched)'
        : 'until the process is restarted with a policy that loads';
      logger.error(
        errorFields(error),
        `opa-jwt: the authorizer failed to start: the policy could not be loaded; every request is denied (500) ${until}`,
      );
    });
    // Logs each issuer that could not be discovered; those are retried on demand (503 meanwhile), see TrustedIssuer.
    const verifierStart = this.verifier.start();
    const fleetStart = this.fleet ? this.fleet.start().then(() => this.fleet!.firstActivation) : Promise.resolve();
    this.starting = Promise.all([policyStart, verifierStart, fleetStart]).then(() => undefined);
    this.starting.catch(() => undefined); // logged above: an unawaited ready() must not crash the process
    // Both settled, not the first failure: a policy still compiling when discovery fails must not look missing.
    this.startedOrFailed = Promise.allSettled([policyStart, verifierStart]).then(() => {
      this.settled = true;
    });
  }

  ready(): Promise<void> {
    return this.starting;
  }

  /** Readiness: a policy is in force (with `opaConfig`: every bundle activated), with the bundles' state. */
  health(): { ready: boolean; bundles?: FleetHealth['bundles'] } {
    if (this.fleet) {
      const fleet = this.fleet.health();
      return { ready: fleet.ready && this.policies.current !== undefined, bundles: fleet.bundles };
    }
    return { ready: this.policies.current !== undefined };
  }

  async close(): Promise<void> {
    this.logBatches.flush(); // before the fleet's last upload
    this.verifier.close();
    await this.fleet?.stop();
    await this.policies.close();
    // What the start-up began (discovery, the first key fetch, the policy's compilation) ends before close() does,
    // so that none of it runs or logs afterwards: each fetch has its deadline (`timeoutDuration`).
    await this.startedOrFailed;
  }

  authorize(request: CoreRequest, route?: RouteOverrides): Promise<Outcome> {
    if (!this.settled) return this.startedOrFailed.then(() => this.authorizeNow(request, route));
    const outcome = this.authorizeNow(request, route);
    return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
  }

  /**
   * `authorize`, answering synchronously when nothing has to be waited for (a remembered token or none, no body to
   * read, no input hook, start-up settled): the common request then costs no promise. Never throws or rejects.
   */
  authorizeNow(request: CoreRequest, route?: RouteOverrides): Outcome | Promise<Outcome> {
    if (!this.settled) return this.authorize(request, route);
    // No policy in force (it failed to load at start-up and, without `watch` or until a good version is saved, none
    // has since): fail closed. The cause was logged once, at start-up. An issuer that could not be discovered is
    // the verifier's business: its tokens are answered 503 while discovery is retried.
    if (!this.policies.current) {
      // Bundles not active yet: a passing condition, answered 503 so that clients and load balancers retry.
      if (this.fleet) return this.deny(request, new PolicyUnavailableError(FIRST_BUNDLE_RETRY_AFTER_SECONDS), undefined);
      return this.deny(request, new PolicyEvaluationError(), undefined);
    }
    try {
      const outcome = this.decide(request, route);
      return outcome instanceof Promise ? outcome.catch((error: unknown) => this.failed(request, error)) : outcome;
    } catch (error) {
      return this.failed(request, error);
    }
  }

  /** The logger given reads decision log entries (pino's level checked per request: levels can change at run time). */
  private loggerLogsDecisions(): boolean {
    const { logger } = this.options;
    return this.loggerGiven && (logger.isLevelEnabled === undefined || logger.isLevelEnabled('info'));
  }

  private failed(request: CoreRequest, error: unknown): Outcome {
    if (error instanceof HttpError) return this.deny(request, error, undefined);
    this.options.logger.error(
      { ...errorFields(error), method: request.method, url: pathOf(request.url) },
      'opa-jwt: authorization failed unexpectedly',
    );
    return this.deny(request, new PolicyEvaluationError({ cause: error }), undefined);
  }

  /** Route overrides, well-known metadata, the request target, then the token (read synchronously unless `getToken`). */
  private decide(request: CoreRequest, route: RouteOverrides | undefined): Outcome | Promise<Outcome> {
    // Someone reads decision log entries: the logger, `onDecision`, `onDecisionLine` or the fleet's upload.
    const toLogger = this.loggerLogsDecisions();
    const logged =
      toLogger || this.options.onDecision !== undefined || this.options.onDecisionLine !== undefined || this.fleet?.uploader !== undefined;
    let timings = UNTIMED;
    if (logged) {
      const start = nowNs();
      timings = { logged, toLogger, start, last: start, verifyNs: 0, inputNs: 0, evalNs: 0 };
    }
    if (route === undefined && this.repeatable) {
      const repeated = this.answerRepeated(request, timings);
      if (repeated !== undefined) return repeated;
    }
    if (route?.skip) {
      return {
        type: 'allow',
        auth: { payload: {}, decision: { allowed: true, result: undefined, decisionId: newDecisionId() } },
        headers: {},
      };
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

    if (this.options.getToken) {
      // The app's own getter may be asynchronous: this request takes the promise path.
      return this.customToken(this.options.getToken, request).then(
        (extracted) => this.decideForToken(request, route, target, extracted, timings),
        (error: unknown) => {
          this.tokenRequestRefused(error, request);
          throw error;
        },
      );
    }
    let extracted: ExtractedToken | undefined;
    try {
      extracted = extractToken(request, this.options.bearerMethods, this.knownBearerToken);
    } catch (error) {
      this.tokenRequestRefused(error, request);
      throw error;
    }
    return this.decideForToken(request, route, target, extracted, timings);
  }

  /**
   * The answer to a request that repeats one whose answer was remembered (repeated-requests.ts), as `decideFor` gives
   * it from the request's origin, without extracting its token or reading its target again; undefined for another.
   */
  private answerRepeated(request: CoreRequest, timings: Timings): Outcome | undefined {
    const authorization = headerValue(request.headers, 'authorization');
    if (authorization === undefined) return undefined;
    const token = this.verifier.cachedByBearerHeader(authorization);
    if (token === undefined) return undefined;
    const repeated = findRepeated(token.repeated, request, this.policies.current);
    // What the header and the target do not fix: a document the core would enrich, a token in the body as well.
    if (repeated === undefined || this.enrichesDocument(request) || bodyTokens(request).length > 0) return undefined;
    timings.verifyNs = lap(timings);
    const { entrypoint, evaluation, extracted, target } = repeated;
    return this.answerRemembered(request, entrypoint, repeated.policy.reused(evaluation), extracted, token.verified, target, timings);
  }

  /** Remembers a request answered from its origin, so that its repeats are found at once (`answerRepeated`). */
  private rememberRepeated(
    request: CoreRequest,
    policy: PolicyEngine,
    entrypoint: string,
    target: RequestTarget,
    extracted: ExtractedToken,
    verified: VerifiedToken,
    evaluation: Evaluation,
  ): void {
    const token = this.verifier.cache.entryOf(extracted.token);
    if (token === undefined || token.verified !== verified) return;
    rememberRepeated(token.repeated, {
      method: request.method,
      url: request.url,
      route: request.route,
      routing: routingFlags(request.routing),
      policy,
      entrypoint,
      target,
      extracted,
      evaluation,
    });
  }

  /** The request's document is more than `buildInput` makes of it: protocol members, its body, an input hook's. */
  private enrichesDocument(request: CoreRequest): boolean {
    return Boolean(this.options.input || mayEnrichProtocolInput(request) || (this.options.includeBody && request.body !== undefined));
  }

  /** A request whose token could not even be read (malformed header, several tokens, a failing getter). */
  private tokenRequestRefused(error: unknown, request: CoreRequest): void {
    this.logRefusal(error, request, 'request');
    this.refusalDebug?.requestRefused(error, request, (error as { reason?: string }).reason ?? (error as HttpError).code);
  }

  /** Up to the token's verification: synchronous when the token is remembered (or absent). */
  private decideForToken(
    request: CoreRequest,
    route: RouteOverrides | undefined,
    target: RequestTarget,
    extracted: ExtractedToken | undefined,
    timings: Timings,
  ): Outcome | Promise<Outcome> {
    if (extracted) {
      const remembered = this.verifier.cached(extracted.token);
      if (remembered !== undefined) {
        timings.verifyNs = lap(timings);
        return this.decideFor(request, route, target, extracted, remembered, timings);
      }
      const bearer = extracted;
      return this.verifyBearer(bearer.token, request).then((verified) => {
        timings.verifyNs = lap(timings);
        return this.decideFor(request, route, target, bearer, verified, timings);
      });
    }
    if (this.options.authRequired) {
      const missing = withoutStack(() => new UnauthorizedError()); // an answer, not a fault: no stack to capture
      this.refusalDebug?.requestRefused(missing, request, 'token_missing');
      throw missing;
    }
    return this.decideFor(request, route, target, undefined, undefined, timings);
  }

  /** The input document, then the decision: synchronous unless a body must be read or an input hook runs. */
  private decideFor(
    request: CoreRequest,
    route: RouteOverrides | undefined,
    target: RequestTarget,
    extracted: ExtractedToken | undefined,
    verified: VerifiedToken | undefined,
    timings: Timings,
  ): Outcome | Promise<Outcome> {
    if (this.enrichesDocument(request)) return this.decideEnriched(request, route, target, extracted, verified, timings);
    const policy = this.policyInForce();
    const entrypoint = this.entrypointFor(policy, route);
    const facts = policy.factsOf(entrypoint);
    // An answer remembered for the document this request would have is found by what it would be built from
    // (answer-origins.ts), when the target is one object for every request that sends it, without building it; a
    // decision log's entry or line is made from the same parts (`logDecision`).
    const origin = originOf(request, facts, target);
    const remembered = origin === undefined ? undefined : policy.answerByOrigin(facts, verified, origin, request.method, request.route);
    if (remembered !== undefined) {
      // A request with a bearer header and no route overrides can be found again by them (repeated-requests.ts).
      if (route === undefined && extracted?.method === 'header' && verified !== undefined)
        this.rememberRepeated(request, policy, entrypoint, target, extracted, verified, remembered);
      return this.answerRemembered(request, entrypoint, remembered, extracted, verified, target, timings);
    }
    // A document no decision log shows needs only the parts the policy reads (the others are left empty).
    const input = buildInput(request, verified, target, timings.logged ? undefined : facts.inputParts);
    return this.evaluateAndAnswer(request, policy, entrypoint, facts, input, extracted, verified, timings, 'built', target);
  }

  private async decideEnriched(
    request: CoreRequest,
    route: RouteOverrides | undefined,
    target: RequestTarget,
    extracted: ExtractedToken | undefined,
    verified: VerifiedToken | undefined,
    timings: Timings,
  ): Promise<Outcome> {
    const enrichment = await enrichProtocolInput(request, this.options.protocols, (token) => this.verifyExchanged(token, request));
    if (enrichment.type === 'respond') {
      this.logProtocolRefusal(enrichment, request);
      return this.shape(request, enrichment, undefined);
    }
    // The policy in force after the enrichment's awaits decides. A document no log and no input hook sees needs only
    // the parts it can read; a hook may read anything, and the policy is read again after it.
    let policy = this.policyInForce();
    const parts = timings.logged || this.options.input ? undefined : policy.factsOf(this.entrypointFor(policy, route)).inputParts;
    let input = buildInput(request, verified, target, parts);
    Object.assign(input.request, enrichment.request);
    if (this.options.includeBody && enrichment.request.mcp === undefined && enrichment.request.oauth === undefined) {
      const readable = readableBody(request, this.options.protocols.maxBodySize);
      if (readable && 'refusal' in readable) {
        this.logProtocolRefusal(readable.refusal, request);
        return this.shape(request, readable.refusal, undefined);
      }
      if (readable) input.request.http.body = readable.body;
    }
    if (this.options.input) {
      try {
        input = await applyInputHook(this.options.input, input, { request, token: verified });
      } catch (error) {
        this.options.logger.error(errorFields(error), 'opa-jwt: the input hook failed; request denied');
        throw new PolicyEvaluationError({ cause: error });
      }
      policy = this.policyInForce();
    }
    const made = this.options.input ? 'hooked' : 'enriched';
    const entrypoint = this.entrypointFor(policy, route);
    return this.evaluateAndAnswer(request, policy, entrypoint, policy.factsOf(entrypoint), input, extracted, verified, timings, made);
  }

  /**
   * `made`: how the document came to be. `built`: buildInput's alone, from `target` (given for these only; fresh
   * objects, apart from the token's, see `logDecision`); `enriched`: with protocol members added; `hooked`: through
   * the `input` hook, which may have changed any part, the token's too, so that no text remembered with the token is
   * used for it. `facts`: the policy's facts of `entrypoint`, which the caller has looked up already.
   */
  private evaluateAndAnswer(
    request: CoreRequest,
    policy: PolicyEngine,
    entrypoint: string,
    facts: EntrypointFacts,
    input: PolicyInput,
    extracted: ExtractedToken | undefined,
    verified: VerifiedToken | undefined,
    timings: Timings,
    made: 'built' | 'enriched' | 'hooked',
    target?: RequestTarget,
  ): Outcome {
    const decisionId = newDecisionId();
    // The text the policy is given: only the parts it can read when the module says which (input-writer.ts), else
    // the whole document, which the decision log then reuses. A document that does not serialise (a hook's BigInt
    // or cycle) takes the SDK's own path, to fail there. An entrypoint that remembers its answers is asked first,
    // by the document itself: on a hit no text is written.
    const known = made === 'hooked' ? undefined : tokenPartTexts(verified);
    const writer = facts.inputWriter;
    let document: WrittenDocument | undefined;
    let evaluation: Evaluation | undefined;
    let json: string | undefined;
    let wholeJson: string | undefined;
    try {
      if (writer === undefined) {
        json = wholeJson = known === undefined ? serialised(input) : serialisedWithToken(input, verified);
        // The whole document is written anyway: its text is its memory key.
        if (json !== undefined) document = { input: json, known: undefined };
      } else {
        document = { input, known };
      }
      if (facts.answers !== undefined && document !== undefined) evaluation = policy.rememberedAnswer(document, facts);
      const origin = target === undefined ? undefined : originOf(request, facts, target);
      if (evaluation !== undefined && origin !== undefined)
        policy.rememberByOrigin(facts, verified, origin, request.method, request.route, evaluation);
      if (evaluation === undefined && writer !== undefined) json = writer(input, known);
    } catch {
      json = undefined;
    }
    timings.inputNs = lap(timings);
    let failure: Error | undefined;
    if (evaluation === undefined) {
      try {
        evaluation = json === undefined ? policy.evaluate(input, entrypoint) : policy.evaluateJson(json, entrypoint, document);
      } catch (error) {
        failure = error as Error;
      }
    }
    timings.evalNs = lap(timings);

    if (evaluation === undefined) {
      const decision: Decision = { allowed: false, result: undefined, decisionId };
      this.logDecision(request, input, wholeJson, entrypoint, decision, failure, timings, builtFrom(verified, target));
      this.options.logger.error(
        { decision_id: decisionId, entrypoint, ...errorFields(failure) },
        'opa-jwt: policy evaluation failed; request denied (500)',
      );
      return this.deny(request, new PolicyEvaluationError({ cause: failure }), decision, this.decisionIdHeader(decisionId));
    }
    const decision = decisionOf(evaluation.value, decisionId);
    this.logDecision(request, input, wholeJson, entrypoint, decision, undefined, timings, builtFrom(verified, target));
    // A token request (RFC 6749 §3.2) carries its own credentials (the grant, the client's): its denial is a
    // refusal of the grant (shaped to 400 by the OAuth layer), not a request for a bearer token.
    const hasCredentials = verified !== undefined || input.request.oauth !== undefined;
    return this.answerWith(request, entrypoint, evaluation, decision, extracted, verified, hasCredentials);
  }

  /**
   * The answer to a request whose evaluation was found by its origin: no document is built (a decision log entry
   * makes its own, see `entryOf`).
   */
  private answerRemembered(
    request: CoreRequest,
    entrypoint: string,
    evaluation: Evaluation,
    extracted: ExtractedToken | undefined,
    verified: VerifiedToken | undefined,
    target: RequestTarget,
    timings: Timings,
  ): Outcome {
    const decision = decisionOf(evaluation.value, newDecisionId());
    if (timings.logged) {
      // No document: one is made for an entry, if one is wanted (see `entryOf`); a line needs none. Nothing is
      // evaluated (`evalNs` stays 0).
      timings.inputNs = lap(timings);
      this.logDecision(request, undefined, undefined, entrypoint, decision, undefined, timings, { verified, target });
    }
    // The core's own document carries no OAuth request: only a token is a credential.
    return this.answerWith(request, entrypoint, evaluation, decision, extracted, verified, verified !== undefined);
  }

  /** The outcome of a decision the policy made: `auth` when allowed, the refusal its result asks for otherwise. */
  private answerWith(
    request: CoreRequest,
    entrypoint: string,
    evaluation: Evaluation,
    decision: Decision,
    extracted: ExtractedToken | undefined,
    verified: VerifiedToken | undefined,
    hasCredentials: boolean,
  ): Outcome {
    const idHeader = this.decisionIdHeader(decision.decisionId);
    if (decision.allowed) {
      const auth: AuthResult =
        extracted && verified
          ? { payload: verified.payload, decision, token: extracted.token, header: verified.header }
          : { payload: {}, decision };
      return { type: 'allow', auth, headers: idHeader };
    }
    const denial = denialError(decision, hasCredentials);
    this.resultShapes.check(entrypoint, evaluation.defined, evaluation.value, decision.decisionId);
    this.refusalDebug?.policyDenied(denial.status, decision, entrypoint, request);
    return this.deny(request, denial, decision, idHeader);
  }

  private decisionIdHeader(decisionId: string): Record<string, string> {
    return this.options.decisionIdHeader ? { [this.options.decisionIdHeader]: decisionId } : {};
  }

  /** The `getToken` hook's token; a failing hook, or one that answers anything but a string, is a 500 (fail closed). */
  private async customToken(getToken: TokenGetter, request: CoreRequest): Promise<ExtractedToken | undefined> {
    let token: unknown;
    try {
      token = await getToken(request);
    } catch (error) {
      throw new PolicyEvaluationError({ cause: error });
    }
    if (token === undefined || token === '') return undefined;
    if (typeof token !== 'string')
      throw new PolicyEvaluationError({ cause: new TypeError(`getToken returned ${typeof token}, not a string or undefined`) });
    return { token, method: 'custom' };
  }

  /** The policy a request is decided by; none in force is an evaluation error (500, fail closed). */
  private policyInForce(): PolicyEngine {
    const policy = this.policies.current;
    if (!policy) throw new PolicyEvaluationError({ cause: new Error('no policy is loaded') });
    return policy;
  }

  /** The entrypoint a request is decided by: the route's, or the policy's default. */
  private entrypointFor(policy: PolicyEngine, route: RouteOverrides | undefined): string {
    return route?.entrypoint === undefined ? policy.defaultEntrypoint : this.routeEntrypoint(route.entrypoint);
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
      this.refusalDebug?.tokenRefused(error, token, request, 'bearer token');
      throw error;
    }
  }

  /** Token-exchange subject/actor tokens: verified with the same issuers; the OAuth layer turns failures into invalid_grant. */
  private async verifyExchanged(token: string, request: CoreRequest) {
    try {
      return (await this.verifier.verify(token)).payload;
    } catch (error) {
      this.logRefusal(error, request, 'token-exchange token');
      this.refusalDebug?.tokenRefused(error, token, request, 'token-exchange token');
      throw error instanceof HttpError ? new Error(error.description) : error;
    }
  }

  /** Every refused token (or malformed request for one) is logged with its reason, never with the token. */
  private logRefusal(error: unknown, request: CoreRequest, what: string): void {
    const reason = (error as { reason?: unknown }).reason;
    const code = (error as { code?: unknown }).code;
    const fields = {
      reason: typeof reason === 'string' ? reason : typeof code === 'string' ? code : (error as Error).name,
      description: (error as HttpError).description ?? (error as Error).message,
      cause: (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : undefined,
      method: request.method,
      path: pathOf(request.url),
      ip: request.ip === undefined ? undefined : normaliseIp(request.ip),
    };
    if ((error as HttpError).status === 503)
      this.options.logger.error(fields, `opa-jwt: ${what} could not be verified: issuer keys unavailable`);
    else if ((error as HttpError).status === 500)
      this.options.logger.error(fields, `opa-jwt: ${what} could not be checked (getToken or isRevoked failed); request denied`);
    else if (fields.reason === 'nested_too_deep') this.malformedLog.log(fields.reason, fields, `opa-jwt: ${what} refused`);
    else this.options.logger.info(fields, `opa-jwt: ${what} refused`);
  }

  /** Input a client controls and got wrong: rate-limited, without the raw target (it may carry a query token). */
  private logMalformed(reason: string, description: string, request: CoreRequest): void {
    const fields = { reason, description, method: request.method, ip: request.ip === undefined ? undefined : normaliseIp(request.ip) };
    this.malformedLog.log(
      reason,
      fields,
      'opa-jwt: malformed request refused (400); further ones for this reason are counted, not logged, for a minute',
    );
  }

  /**
   * A body the protocol layer refused before the policy ran (too large, too deep, a JSON-RPC batch, a malformed token
   * request, or unparsed JSON: the app's configuration error, logged as an error).
   */
  private logProtocolRefusal(outcome: RespondOutcome, request: CoreRequest): void {
    const body = (outcome.body ?? {}) as { error?: unknown; error_description?: unknown };
    const rpcError = typeof body.error === 'object' && body.error !== null ? (body.error as { message?: unknown }) : undefined;
    const unparsed = outcome.status === 500;
    const reason =
      outcome.status === 413
        ? 'body_too_large'
        : unparsed
          ? 'body_not_parsed'
          : typeof body.error === 'string'
            ? body.error
            : 'invalid_request';
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
      unparsed
        ? 'opa-jwt: a JSON request body reached opa-jwt unparsed; mount a JSON body parser before it (request refused)'
        : 'opa-jwt: request refused',
    );
  }

  private deny(
    request: CoreRequest,
    error: HttpError,
    decision: Decision | undefined,
    extraHeaders: Record<string, string> = {},
  ): RespondOutcome {
    const plain = errorOutcome(error, this.options.realm, extraHeaders);
    const shaped = this.shape(request, plain, decision);
    // Handed to the app's error handling only while the answer is the error's own (not a JSON-RPC or OAuth one).
    if (this.options.onRefusal === 'respond' || shaped.body !== plain.body) return shaped;
    error.headers = shaped.headers;
    if (decision) {
      // What may reach the client through a generic error handler: never the internal message or the raw result.
      error.decision = { allowed: decision.allowed, decisionId: decision.decisionId };
      if (decision.externalMessage !== undefined) error.decision.externalMessage = decision.externalMessage;
    }
    return { ...shaped, error };
  }

  private shape(request: CoreRequest, outcome: RespondOutcome, decision: Decision | undefined): RespondOutcome {
    return shapeDenial(request, outcome, decision, this.options.protocols);
  }

  /**
   * `built`: not null when the document is buildInput's alone, from `built.verified` and `built.target`; `input` is
   * then that document, or undefined when none was made (an answer found by its origin). Such a document is not
   * copied for an entry: nothing holds it after this decision, so the entry takes it over (redacted in place); only
   * its token part, shared with the token cache and the application (`auth.payload`), is copied, from the token's own
   * JSON text. Its line is written from what it is built from (decision-line.ts).
   */
  private logDecision(
    request: CoreRequest,
    input: PolicyInput | undefined,
    json: string | undefined,
    entrypoint: string,
    decision: Decision,
    failure: Error | undefined,
    timings: Timings,
    built: BuiltFrom | null = null,
  ): void {
    // Building an entry costs a copy of the input: only when someone reads it.
    if (!timings.logged) return;
    const facts: LineFacts = {
      decisionId: decision.decisionId,
      timestamp: timestampNow(),
      entrypoint,
      metrics: {
        timer_token_verify_ns: timings.verifyNs,
        timer_rego_input_parse_ns: timings.inputNs,
        timer_rego_query_eval_ns: timings.evalNs,
        timer_server_handler_ns: elapsedNs(timings.start),
      },
      requestedBy: request.ip ? normaliseIp(request.ip) : undefined,
    };
    // Only a decision answered over a socket may wait (log-batches.ts). What waits is read from the request and what
    // buildInput's document is built from, nothing the app holds; the app may still change the request's headers
    // after the decision, so they are taken as they are now.
    const work: DecisionLogWork = { request, input, json, decision, failure, built, facts, toLogger: timings.toLogger };
    if (built !== null && failure === undefined && request.overSocket === true && this.logBatches.waits()) {
      work.request = detachedRequest(request);
      this.logBatches.defer(work);
      return;
    }
    this.logBatches.flush(); // the decisions waiting come first
    this.writeLog(work);
  }

  /** A decision's entry or line, handed to whoever reads them. */
  private writeLog({ request, input, json, decision, failure, built, facts, toLogger }: DecisionLogWork): void {
    const { onDecision, onDecisionLine } = this.options;
    const toFleet = this.fleet?.uploader !== undefined;
    // The line first: making the entry redacts a built document where it is. The fleet's upload takes it too.
    const parts =
      (onDecisionLine !== undefined || toFleet) && built !== null && failure === undefined
        ? this.lineOf(request, built, decision, facts)
        : undefined;
    let entry: DecisionLogEntry | undefined;
    if (toLogger || onDecision !== undefined || (parts === undefined && (onDecisionLine !== undefined || toFleet))) {
      entry = this.entryOf(request, input, json, decision, failure, built, facts);
      if (toLogger) this.options.logger.info(entry, 'Decision Log');
      if (onDecision) this.handOver(onDecision, entry, 'onDecision');
    }
    if (toFleet) {
      if (parts !== undefined) this.fleet.logDecisionLine(parts);
      else this.fleet.logDecision(entry!);
    }
    if (onDecisionLine) this.handOver(onDecisionLine, parts === undefined ? JSON.stringify(entry) : joinedLine(parts), 'onDecisionLine');
  }

  /** The entry: a redacted copy of the input (see `logDecision`), the result redacted of the same secrets. */
  private entryOf(
    request: CoreRequest,
    input: PolicyInput | undefined,
    json: string | undefined,
    decision: Decision,
    failure: Error | undefined,
    built: BuiltFrom | null,
    facts: LineFacts,
  ): DecisionLogEntry {
    let redacted: { input: unknown; masked: string[]; secrets: string[] };
    try {
      if (built === null) redacted = redactInput(input!, json);
      else {
        // Made for the log alone when none was made: its headers and query as plain objects, redacted where they are.
        const document = input ?? buildInput(request, built.verified, built.target, ALL_INPUT_PARTS, 'plain');
        redacted = redactInPlace(ownedCopy(document, built.verified));
      }
    } catch (error) {
      redacted = { input: '[input could not be serialised]', masked: [], secrets: [] };
      this.options.logger.warn(errorFields(error), 'opa-jwt: decision log input could not be serialised');
    }
    const entry: DecisionLogEntry = {
      decision_id: facts.decisionId,
      timestamp: facts.timestamp,
      path: facts.entrypoint,
      input: redacted.input,
      labels: { app: 'opa-jwt' },
      metrics: facts.metrics,
    };
    if (decision.result !== undefined) entry.result = redactResult(decision.result, redacted.secrets, redacted.masked);
    if (facts.requestedBy !== undefined) entry.requested_by = facts.requestedBy;
    if (redacted.masked.length > 0) entry.masked = redacted.masked;
    if (failure) entry.error = { code: 'eval_error', message: failure.message };
    return entry;
  }

  /** The line of a built document's entry, written from what it is built from; undefined if that fails. */
  private lineOf(request: CoreRequest, built: BuiltFrom, decision: Decision, facts: LineFacts): LineParts | undefined {
    try {
      return decisionLineParts(request, built.verified, built.target, decision.result, facts);
    } catch (error) {
      this.options.logger.warn(errorFields(error), 'opa-jwt: decision log line could not be written; the entry is serialised instead');
      return undefined;
    }
  }

  /** Hands a decision log entry or line to the application's callback: what it throws or rejects with is logged. */
  private handOver<T>(callback: (value: T) => void | Promise<void>, value: T, name: 'onDecision' | 'onDecisionLine'): void {
    const { logger } = this.options;
    try {
      const returned = callback(value);
      if (returned && typeof returned.catch === 'function') {
        returned.catch((error: unknown) => logger.warn(errorFields(error), `opa-jwt: ${name} failed`));
      }
    } catch (error) {
      logger.warn(errorFields(error), `opa-jwt: ${name} failed`);
    }
  }
}

/**
 * Nanoseconds since the end of the last phase timed, which ends here; 0 when the decision is not logged. One clock
 * reading per phase: each one's end is the next one's start.
 */
function lap(timings: Timings): number {
  if (!timings.logged) return 0;
  const now = nowNs();
  const elapsed = Number(now - timings.last);
  timings.last = now;
  return elapsed;
}

/**
 * `JSON.stringify(input)` for a document as `buildInput` made it (its `jwt` member last, holding the token's own
 * header and payload), the same text, with the token's part serialised once per token rather than per request.
 */
function serialisedWithToken(input: PolicyInput, verified: VerifiedToken | undefined): string | undefined {
  const jwt = input.jwt;
  if (verified === undefined || jwt === undefined || jwt.header !== verified.header || jwt.payload !== verified.payload)
    return serialised(input);
  const rest = JSON.stringify({ source: input.source, request: input.request, method: input.method, path: input.path });
  return `${rest.slice(0, -1)},"jwt":${tokenText(verified)}}`;
}

/** buildInput's document for a log entry: its own members as they are, the token's part as logged-token.ts makes it. */
function ownedCopy(input: PolicyInput, verified: VerifiedToken | undefined): PolicyInput {
  const copy: PolicyInput = { source: input.source, request: input.request, method: input.method, path: input.path };
  // buildInput gives a document a token's part exactly when it has a verified token.
  if (verified !== undefined) copy.jwt = loggedTokenPart(verified);
  return copy;
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
