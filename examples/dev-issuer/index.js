'use strict';
/**
 * A DEVELOPMENT STAND-IN for a real OpenID provider, so the examples and the demo run with no configuration:
 * a throwaway RS256 key made at start-up, its discovery document and JWKS on 127.0.0.1, and tokens minted for
 * three demo users. It authenticates nobody (anyone on this machine can ask it for any demo user's token):
 * never deploy it, never point a real API at it.
 *
 * Signing uses node:crypto directly (RS256 = RSASSA-PKCS1-v1_5 with SHA-256), so it needs no package at all.
 */
const http = require('node:http');
const { generateKeyPairSync, randomUUID, sign } = require('node:crypto');

/** The demo users: alice may do everything, bob may read, carol has no role at all. */
const DEMO_USERS = {
  alice: { roles: ['admin'], scope: 'orders:read orders:write' },
  bob: { roles: ['reader'], scope: 'orders:read' },
  carol: { roles: [], scope: '' },
};

const DEFAULT_AUDIENCE = 'orders-api';
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

const BANNER = [
  '*** DEVELOPMENT STAND-IN ISSUER: throwaway key, tokens for anyone who asks. NEVER DEPLOY IT. ***',
  '*** Point ISSUER/AUDIENCE at your real identity provider for anything but local development. ***',
];

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function checkPort(port) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`startDevIssuer: option "port" must be an integer from 0 to 65535, got ${String(port)}`);
  }
}

/**
 * Starts the issuer on 127.0.0.1.
 * @param {{ port?: number, audience?: string, log?: (line: string) => void }} [options]
 *   port 0 (default) picks a free port; `log` receives the banner (default: console.error, so that stdout stays
 *   free for programs that print commands there).
 */
async function startDevIssuer(options = {}) {
  const { port = 0, audience = DEFAULT_AUDIENCE, log = (line) => console.error(line) } = options;
  checkPort(port);
  if (typeof audience !== 'string' || audience === '') throw new TypeError('startDevIssuer: option "audience" must be a non-empty string');

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `dev-${randomUUID()}`;
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  let issuer = ''; // known once the server listens (the port is part of it)

  /**
   * An RS256 access token for a demo user. `overrides` replaces claims (e.g. `{ exp: 0 }` for an expired one).
   * @param {'alice'|'bob'|'carol'} user
   */
  function mintToken(user, overrides = {}) {
    const profile = DEMO_USERS[user];
    if (!profile) throw new RangeError(`dev issuer: unknown demo user "${user}" (try ${Object.keys(DEMO_USERS).join(', ')})`);
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid };
    const payload = {
      iss: issuer,
      sub: user,
      aud: audience,
      iat: now,
      exp: now + DEFAULT_TOKEN_LIFETIME_SECONDS,
      roles: profile.roles,
      scope: profile.scope,
      ...overrides,
    };
    const signingInput = `${b64url(header)}.${b64url(payload)}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url')}`;
  }

  function discoveryDocument() {
    return {
      issuer,
      jwks_uri: `${issuer}/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
      // Not an OAuth endpoint: GET /dev/token?user=alice answers { access_token } with no authentication at all.
      dev_token_endpoint: `${issuer}/dev/token`,
    };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url || '/', issuer || 'http://127.0.0.1');
    const json = (status, body) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method_not_allowed' });
    if (url.pathname === '/.well-known/openid-configuration') return json(200, discoveryDocument());
    if (url.pathname === '/jwks.json') return json(200, { keys: [publicJwk] });
    if (url.pathname === '/dev/token') {
      const user = url.searchParams.get('user') || '';
      if (!Object.prototype.hasOwnProperty.call(DEMO_USERS, user)) {
        return json(400, { error: 'invalid_request', error_description: `user must be one of ${Object.keys(DEMO_USERS).join(', ')}` });
      }
      return json(200, { access_token: mintToken(user), token_type: 'Bearer', expires_in: DEFAULT_TOKEN_LIFETIME_SECONDS });
    }
    return json(404, { error: 'not_found' });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  issuer = `http://127.0.0.1:${server.address().port}`;
  for (const line of BANNER) log(line);
  log(`    dev issuer: ${issuer}  (discovery: ${issuer}/.well-known/openid-configuration)`);

  return {
    issuer,
    jwksUri: `${issuer}/jwks.json`,
    audience,
    users: Object.keys(DEMO_USERS),
    mintToken,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

module.exports = { startDevIssuer };
