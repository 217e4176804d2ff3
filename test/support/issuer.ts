/**
 * The one test issuer of the repository (core, adapter, MCP and OAuth tests): RS256 and ES256 key pairs, a JWKS
 * endpoint (and any discovery documents a test adds) served over HTTP on 127.0.0.1, and a token factory. The endpoint
 * counts its hits and can be taken down and brought back, which the JWKS caching tests (cooldown, stale-if-error)
 * rely on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type * as JoseModule from 'jose';
import type { JWTPayload } from 'jose';
import type { AuthorizerOptions } from '../../packages/core/src';

// jose is taken from @opa-jwt/core's own dependency (v5, CommonJS): the root node_modules holds jose 6 (pulled in by
// the MCP SDK), which is ESM-only and cannot be loaded by jest's CommonJS runtime.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose = require(require.resolve('jose', { paths: [path.join(__dirname, '..', '..', 'packages', 'core')] })) as typeof JoseModule;
const { exportJWK, generateKeyPair, SignJWT } = jose;

type PrivateKey = Awaited<ReturnType<typeof JoseModule.generateKeyPair>>['privateKey'];
/** A public JWK as the core's options type it (its own jose's `JWK`, not the root's). */
type PublicJwk = NonNullable<AuthorizerOptions['jwks']>['keys'][number];

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: PrivateKey;
  publicJwk: PublicJwk;
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } as PublicJwk;
  return { kid, alg, privateKey, publicJwk };
}

export interface TestIssuer {
  /** The issuer identifier (`iss`): the server's origin unless `startIssuer` was given another. */
  issuer: string;
  jwksUri: string;
  rsa: SigningKey;
  ec: SigningKey;
  /** Keys currently published; tests may replace the list. */
  published: SigningKey[];
  /** JWKS requests served (or refused while down). */
  hits(): number;
  /** While down, the JWKS endpoint answers 503. */
  setDown(down: boolean): void;
  /** Extra routes (discovery documents), by path. */
  routes: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  sign(options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export interface TokenOptions {
  key?: SigningKey;
  claims?: JWTPayload;
  header?: Record<string, unknown>;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now; default 300. */
  expiresIn?: number;
  notBefore?: number;
  /** Seconds from now. */
  issuedAt?: number;
  /** Leave `exp` out. */
  noExpiry?: boolean;
}

export const AUDIENCE = 'https://api.test';

export interface IssuerOptions {
  /** The `iss` of the tokens and the issuer's identifier; default the server's origin (which discovery needs). */
  issuer?: string;
  /** Where the JWKS is served; default `/jwks.json`. */
  jwksPath?: string;
  /** Claims every token carries unless the test's own claims say otherwise; default `{ sub: 'alice' }`. */
  claims?: JWTPayload;
}

export async function startIssuer(options: IssuerOptions = {}): Promise<TestIssuer> {
  const jwksPath = options.jwksPath ?? '/jwks.json';
  const defaultClaims = options.claims ?? { sub: 'alice' };
  const rsa = await makeKey('rsa-1', 'RS256');
  const ec = await makeKey('ec-1', 'ES256');
  let hits = 0;
  let down = false;
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const state = { published: [rsa, ec] };
  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === jwksPath) {
      hits++;
      if (down) return void res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ keys: state.published.map((key) => key.publicJwk) }));
    }
    const route = routes.get(pathname);
    if (route) return route(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = options.issuer ?? origin;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    jwksUri: `${origin}${jwksPath}`,
    rsa,
    ec,
    get published() {
      return state.published;
    },
    set published(keys: SigningKey[]) {
      state.published = keys;
    },
    hits: () => hits,
    setDown: (value) => {
      down = value;
    },
    routes,
    async sign(options: TokenOptions = {}) {
      const key = options.key ?? rsa;
      const jwt = new SignJWT({ ...defaultClaims, ...options.claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt(now() + (options.issuedAt ?? 0));
      if (!options.noExpiry) jwt.setExpirationTime(now() + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt.setNotBefore(now() + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A logger that keeps what it is told, for assertions. */
export interface Recorded {
  level: 'error' | 'warn' | 'info' | 'debug';
  fields: Record<string, unknown>;
  message?: string;
}

export interface RecordingLogger {
  logger: Record<Recorded['level'], (fields: object, message?: string) => void>;
  records: Recorded[];
  /**
   * The next record logged after this call that `matches` accepts (any, by default): lets a test wait for what the
   * code reports instead of for a time.
   */
  nextRecord(this: void, matches?: (record: Recorded) => boolean): Promise<Recorded>;
}

export function recordingLogger(): RecordingLogger {
  const records: Recorded[] = [];
  let waiting: { matches: (record: Recorded) => boolean; resolve: (record: Recorded) => void }[] = [];
  const at = (level: Recorded['level']) => (fields: object, message?: string) => {
    const record: Recorded = { level, fields: fields as Record<string, unknown>, message };
    records.push(record);
    const due = waiting.filter((waiter) => waiter.matches(record));
    waiting = waiting.filter((waiter) => !due.includes(waiter));
    for (const waiter of due) waiter.resolve(record);
  };
  return {
    logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') },
    records,
    nextRecord: (matches = () => true) => new Promise<Recorded>((resolve) => waiting.push({ matches, resolve })),
  };
}
