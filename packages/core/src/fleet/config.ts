/**
 * The `opaConfig` option: the `services`, `bundles`, `keys`, `decision_logs`, `status`, `labels` and
 * `persistence_directory` sections of an OPA configuration file (https://www.openpolicyagent.org/docs/configuration),
 * given as an object or as the path of the YAML/JSON file `opa run -c` takes. Validated completely at start-up:
 * an unknown key, a key we do not implement, or a credential type other than bearer tokens is an
 * `InvalidOptionError` naming the section (`opaConfig.services.acme.credentials.oauth2`), never silently ignored.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidOptionError } from '../errors';

export interface ServiceConfig {
  name: string;
  /** Without a trailing slash. */
  url: string;
  headers: Record<string, string>;
  /** `Authorization: <scheme> <token>`, when configured. */
  bearer?: { token: string; scheme: string };
  responseHeaderTimeoutSeconds: number;
}

export interface SigningConfig {
  keyid: string;
  scope: string;
  excludeFiles: string[];
}

export interface KeyConfig {
  key: string;
  algorithm: string;
  scope: string;
}

export interface BundleConfig {
  name: string;
  service: ServiceConfig;
  resource: string;
  persist: boolean;
  polling: { minDelaySeconds: number; maxDelaySeconds: number; longPollingTimeoutSeconds?: number };
  signing?: SigningConfig;
  sizeLimitBytes: number;
}

export interface DecisionLogConfig {
  service: ServiceConfig;
  resource: string;
  reporting: {
    bufferSizeLimitBytes?: number;
    bufferSizeLimitEvents?: number;
    uploadSizeLimitBytes: number;
    minDelaySeconds: number;
    maxDelaySeconds: number;
    maxDecisionsPerSecond?: number;
  };
}

export interface StatusConfig {
  service: ServiceConfig;
  resource: string;
}

export interface FleetConfig {
  services: Map<string, ServiceConfig>;
  bundles: BundleConfig[];
  keys: Map<string, KeyConfig>;
  decisionLogs?: DecisionLogConfig;
  status?: StatusConfig;
  labels: Record<string, string>;
  persistenceDirectory: string;
}

const OPTION = 'opaConfig';
const SECTIONS = new Set(['services', 'bundles', 'keys', 'decision_logs', 'status', 'labels', 'persistence_directory']);
const UNSUPPORTED_CREDENTIALS = new Set(['oauth2', 'client_tls', 's3_signing', 'gcp_metadata', 'azure_managed_identity', 'plugin']);
/** OPA's defaults (plugins/bundle, plugins/logs). */
const DEFAULT_BUNDLE_POLLING = { min: 60, max: 120 };
const DEFAULT_LOG_DELAY = { min: 300, max: 600 };
const DEFAULT_UPLOAD_SIZE_LIMIT = 32768;
const DEFAULT_RESPONSE_HEADER_TIMEOUT = 10;
/** 1 GiB, as OPA's default bundle size limit. */
const DEFAULT_BUNDLE_SIZE_LIMIT = 1 << 30;

function fail(at: string, problem: string): never {
  throw new InvalidOptionError(`${OPTION}.${at}`, problem);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (!isObject(value)) fail(at, 'must be an object');
  return value;
}

function onlyKeys(value: Record<string, unknown>, at: string, allowed: string[], why: Record<string, string> = {}): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    if (why[key]) fail(`${at}.${key}`, why[key]);
    fail(`${at}.${key}`, `is not a known or supported key here (supported: ${allowed.join(', ')})`);
  }
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') fail(at, 'must be a non-empty string');
  return value;
}

function optionalString(value: unknown, at: string, fallback: string): string {
  return value === undefined ? fallback : string(value, at);
}

function positive(value: unknown, at: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(at, 'must be a positive number');
  return value;
}

function boolean(value: unknown, at: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(at, 'must be true or false');
  return value;
}

/** Reads the file `opa run -c` takes: YAML (a superset of JSON), `${VAR}` replaced by the environment variable (empty when unset), as OPA does. */
function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidOptionError(OPTION, `names ${JSON.stringify(file)}, which cannot be read: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text.replace(/\$\{(\w+)\}/g, (_, name: string) => process.env[name] ?? ''));
  } catch (error) {
    throw new InvalidOptionError(OPTION, `${path.basename(file)} is not valid YAML or JSON: ${(error as Error).message}`);
  }
}

function parseService(name: string, value: unknown, at: string): ServiceConfig {
  const raw = object(value, at);
  onlyKeys(raw, at, ['name', 'url', 'headers', 'credentials', 'response_header_timeout_seconds'], {
    tls: 'is not supported: client TLS settings are not implemented (use an https URL trusted by Node.js)',
    allow_insecure_tls: 'is not supported: certificate checks cannot be turned off',
  });
  let url: URL;
  try {
    url = new URL(string(raw.url, `${at}.url`));
  } catch (error) {
    if (error instanceof InvalidOptionError) throw error;
    fail(`${at}.url`, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${at}.url`, 'must be an http(s) URL');
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    for (const [header, headerValue] of Object.entries(object(raw.headers, `${at}.headers`))) {
      if (typeof headerValue !== 'string') fail(`${at}.headers.${header}`, 'must be a string');
      headers[header] = headerValue;
    }
  }
  let bearer: ServiceConfig['bearer'];
  if (raw.credentials !== undefined) {
    const credentials = object(raw.credentials, `${at}.credentials`);
    for (const kind of Object.keys(credentials)) {
      if (UNSUPPORTED_CREDENTIALS.has(kind))
        fail(`${at}.credentials.${kind}`, 'is not supported: only bearer tokens (credentials.bearer) and custom headers are');
      if (kind !== 'bearer') fail(`${at}.credentials.${kind}`, 'is not a known credential type');
    }
    if (credentials.bearer !== undefined) {
      const b = object(credentials.bearer, `${at}.credentials.bearer`);
      onlyKeys(b, `${at}.credentials.bearer`, ['token', 'scheme'], { token_path: 'is not supported: give the token itself in `token`' });
      bearer = {
        token: string(b.token, `${at}.credentials.bearer.token`),
        scheme: optionalString(b.scheme, `${at}.credentials.bearer.scheme`, 'Bearer'),
      };
    }
  }
  return {
    name,
    url: url.toString().replace(/\/+$/, ''),
    headers,
    bearer,
    responseHeaderTimeoutSeconds: positive(
      raw.response_header_timeout_seconds,
      `${at}.response_header_timeout_seconds`,
      DEFAULT_RESPONSE_HEADER_TIMEOUT,
    )!,
  };
}

function parseServices(value: unknown): Map<string, ServiceConfig> {
  const services = new Map<string, ServiceConfig>();
  if (Array.isArray(value)) {
    value.forEach((entry, index) => {
      const name = string(isObject(entry) ? entry.name : undefined, `services[${index}].name`);
      services.set(name, parseService(name, entry, `services[${index}]`));
    });
  } else if (value !== undefined) {
    for (const [name, entry] of Object.entries(object(value, 'services')))
      services.set(name, parseService(name, entry, `services.${name}`));
  }
  return services;
}

/** A section's `service`: named, or the only one configured (as OPA picks when there is exactly one). */
function serviceFor(raw: unknown, services: Map<string, ServiceConfig>, at: string): ServiceConfig {
  if (raw === undefined) {
    if (services.size === 1) return [...services.values()][0];
    fail(
      `${at}.service`,
      services.size === 0 ? 'names no service: `services` is empty' : 'is required when several services are configured',
    );
  }
  const name = string(raw, `${at}.service`);
  const service = services.get(name);
  if (!service) fail(`${at}.service`, `names "${name}", which is not in \`services\``);
  return service;
}

function parseKeys(value: unknown): Map<string, KeyConfig> {
  const keys = new Map<string, KeyConfig>();
  if (value === undefined) return keys;
  for (const [id, entry] of Object.entries(object(value, 'keys'))) {
    const at = `keys.${id}`;
    const raw = object(entry, at);
    onlyKeys(raw, at, ['key', 'algorithm', 'scope'], { private_key: 'is for signing, not verification: give the public key in `key`' });
    keys.set(id, {
      key: string(raw.key, `${at}.key`),
      algorithm: optionalString(raw.algorithm, `${at}.algorithm`, 'RS256'),
      scope: raw.scope === undefined ? '' : string(raw.scope, `${at}.scope`),
    });
  }
  return keys;
}

function parseBundles(value: unknown, services: Map<string, ServiceConfig>, keys: Map<string, KeyConfig>): BundleConfig[] {
  if (value === undefined) return [];
  const bundles: BundleConfig[] = [];
  for (const [name, entry] of Object.entries(object(value, 'bundles'))) {
    const at = `bundles.${name}`;
    const raw = object(entry, at);
    onlyKeys(raw, at, ['service', 'resource', 'persist', 'polling', 'signing', 'size_limit_bytes'], {
      trigger: 'is not supported: bundles are polled (periodic trigger)',
    });
    const polling = raw.polling === undefined ? {} : object(raw.polling, `${at}.polling`);
    onlyKeys(polling, `${at}.polling`, ['min_delay_seconds', 'max_delay_seconds', 'long_polling_timeout_seconds']);
    const minDelaySeconds = positive(polling.min_delay_seconds, `${at}.polling.min_delay_seconds`, DEFAULT_BUNDLE_POLLING.min)!;
    const maxDelaySeconds = positive(
      polling.max_delay_seconds,
      `${at}.polling.max_delay_seconds`,
      Math.max(DEFAULT_BUNDLE_POLLING.max, minDelaySeconds),
    )!;
    if (maxDelaySeconds < minDelaySeconds) fail(`${at}.polling.max_delay_seconds`, 'must not be less than min_delay_seconds');
    let signing: SigningConfig | undefined;
    if (raw.signing !== undefined) {
      const s = object(raw.signing, `${at}.signing`);
      onlyKeys(s, `${at}.signing`, ['keyid', 'scope', 'exclude_files']);
      const keyid = string(s.keyid, `${at}.signing.keyid`);
      if (!keys.has(keyid)) fail(`${at}.signing.keyid`, `names "${keyid}", which is not in \`keys\``);
      const exclude = s.exclude_files ?? [];
      if (!Array.isArray(exclude) || !exclude.every((item) => typeof item === 'string'))
        fail(`${at}.signing.exclude_files`, 'must be a list of file names');
      signing = { keyid, scope: s.scope === undefined ? '' : string(s.scope, `${at}.signing.scope`), excludeFiles: exclude };
    }
    bundles.push({
      name,
      service: serviceFor(raw.service, services, at),
      resource: optionalString(raw.resource, `${at}.resource`, `bundles/${name}`),
      persist: boolean(raw.persist, `${at}.persist`),
      polling: {
        minDelaySeconds,
        maxDelaySeconds,
        longPollingTimeoutSeconds: positive(polling.long_polling_timeout_seconds, `${at}.polling.long_polling_timeout_seconds`, undefined),
      },
      signing,
      sizeLimitBytes: positive(raw.size_limit_bytes, `${at}.size_limit_bytes`, DEFAULT_BUNDLE_SIZE_LIMIT)!,
    });
  }
  return bundles;
}

function parseDecisionLogs(value: unknown, services: Map<string, ServiceConfig>): DecisionLogConfig | undefined {
  if (value === undefined) return undefined;
  const at = 'decision_logs';
  const raw = object(value, at);
  onlyKeys(raw, at, ['service', 'resource', 'reporting'], {
    console: 'is not supported: use the `logger` option for local decision logs',
    plugin: 'is not supported: use the `onDecision` option',
    mask_decision: 'is not supported: credentials are masked by opa-jwt itself',
    drop_decision: 'is not supported',
    partition_name: 'is deprecated in OPA and not supported: use `resource`',
  });
  const reporting = raw.reporting === undefined ? {} : object(raw.reporting, `${at}.reporting`);
  onlyKeys(
    reporting,
    `${at}.reporting`,
    [
      'buffer_type',
      'buffer_size_limit_bytes',
      'buffer_size_limit_events',
      'upload_size_limit_bytes',
      'min_delay_seconds',
      'max_delay_seconds',
      'max_decisions_per_second',
    ],
    {
      trigger: 'is not supported: decision logs are uploaded periodically',
    },
  );
  if (reporting.buffer_type !== undefined && reporting.buffer_type !== 'size' && reporting.buffer_type !== 'event')
    fail(`${at}.reporting.buffer_type`, 'must be "size" or "event"');
  const minDelaySeconds = positive(reporting.min_delay_seconds, `${at}.reporting.min_delay_seconds`, DEFAULT_LOG_DELAY.min)!;
  const maxDelaySeconds = positive(
    reporting.max_delay_seconds,
    `${at}.reporting.max_delay_seconds`,
    Math.max(DEFAULT_LOG_DELAY.max, minDelaySeconds),
  )!;
  if (maxDelaySeconds < minDelaySeconds) fail(`${at}.reporting.max_delay_seconds`, 'must not be less than min_delay_seconds');
  const bufferSizeLimitBytes = positive(reporting.buffer_size_limit_bytes, `${at}.reporting.buffer_size_limit_bytes`, undefined);
  const bufferSizeLimitEvents = positive(reporting.buffer_size_limit_events, `${at}.reporting.buffer_size_limit_events`, undefined);
  if (bufferSizeLimitBytes !== undefined && bufferSizeLimitEvents !== undefined)
    fail(`${at}.reporting`, 'takes buffer_size_limit_bytes or buffer_size_limit_events, not both');
  return {
    service: serviceFor(raw.service, services, at),
    resource: optionalString(raw.resource, `${at}.resource`, 'logs').replace(/^\/+/, ''),
    reporting: {
      bufferSizeLimitBytes,
      bufferSizeLimitEvents,
      uploadSizeLimitBytes: positive(
        reporting.upload_size_limit_bytes,
        `${at}.reporting.upload_size_limit_bytes`,
        DEFAULT_UPLOAD_SIZE_LIMIT,
      )!,
      minDelaySeconds,
      maxDelaySeconds,
      maxDecisionsPerSecond: positive(reporting.max_decisions_per_second, `${at}.reporting.max_decisions_per_second`, undefined),
    },
  };
}

function parseStatus(value: unknown, services: Map<string, ServiceConfig>): StatusConfig | undefined {
  if (value === undefined) return undefined;
  const raw = object(value, 'status');
  onlyKeys(raw, 'status', ['service', 'resource'], {
    console: 'is not supported',
    prometheus: 'is not supported',
    plugin: 'is not supported',
    trigger: 'is not supported: status is reported on change and periodically',
    partition_name: 'is deprecated in OPA and not supported',
  });
  return {
    service: serviceFor(raw.service, services, 'status'),
    resource: optionalString(raw.resource, 'status.resource', 'status').replace(/^\/+/, ''),
  };
}

function parseLabels(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (value === undefined) return labels;
  for (const [name, label] of Object.entries(object(value, 'labels'))) {
    if (typeof label !== 'string') fail(`labels.${name}`, 'must be a string');
    labels[name] = label;
  }
  return labels;
}

/** Validates `opaConfig` (an object or a config file path); throws InvalidOptionError naming the bad section. */
export function parseOpaConfig(value: unknown): FleetConfig {
  const raw = typeof value === 'string' ? readConfigFile(value) : value;
  if (!isObject(raw))
    throw new InvalidOptionError(OPTION, 'must be an OPA configuration object or the path of an OPA configuration file (YAML or JSON)');
  for (const key of Object.keys(raw)) {
    if (!SECTIONS.has(key)) fail(key, `is not supported (supported sections: ${[...SECTIONS].join(', ')})`);
  }
  const services = parseServices(raw.services);
  const keys = parseKeys(raw.keys);
  const bundles = parseBundles(raw.bundles, services, keys);
  if (bundles.length === 0) fail('bundles', 'must configure at least one bundle: the policy comes from bundles');
  return {
    services,
    bundles,
    keys,
    decisionLogs: parseDecisionLogs(raw.decision_logs, services),
    status: parseStatus(raw.status, services),
    labels: parseLabels(raw.labels),
    persistenceDirectory: optionalString(raw.persistence_directory, 'persistence_directory', path.join(process.cwd(), '.opa')),
  };
}

/** The request headers a service's configuration asks for. */
export function serviceHeaders(service: ServiceConfig): Record<string, string> {
  const headers: Record<string, string> = { ...service.headers };
  if (service.bearer) headers.Authorization = `${service.bearer.scheme} ${service.bearer.token}`;
  return headers;
}

export function serviceUrl(service: ServiceConfig, resource: string): string {
  return `${service.url}/${resource.replace(/^\/+/, '')}`;
}
