/**
 * A real issuer for the core's tests: RS256 and ES256 key pairs, a JWKS endpoint (and discovery documents) served
 * over HTTP on 127.0.0.1, and a token factory. The endpoint counts its hits and can be taken down and brought back,
 * which the JWKS caching tests (cooldown, stale-if-error) rely on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
  publicKey: KeyLike;
  publicJwk: JWK;
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

export interface TestIssuer {
  /** The issuer identifier (`iss`): the server's origin. */
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

export async function startIssuer(): Promise<TestIssuer> {
  const rsa = await makeKey('rsa-1', 'RS256');
  const ec = await makeKey('ec-1', 'ES256');
  let hits = 0;
  let down = false;
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const state = { published: [rsa, ec] };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/jwks.json') {
      hits++;
      if (down) return void res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ keys: state.published.map((key) => key.publicJwk) }));
    }
    const route = routes.get(path);
    if (route) return route(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer: origin,
    jwksUri: `${origin}/jwks.json`,
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
      const jwt = new SignJWT({ sub: 'alice', ...options.claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header })
        .setIssuer(options.issuer ?? origin)
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

export function recordingLogger(): { logger: Record<Recorded['level'], (fields: object, message?: string) => void>; records: Recorded[] } {
  const records: Recorded[] = [];
  const at = (level: Recorded['level']) => (fields: object, message?: string) => {
    records.push({ level, fields: fields as Record<string, unknown>, message });
  };
  return { logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, records };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
