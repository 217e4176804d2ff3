/**
 * The token issuer the benchmarks share: one RS256 key, its JWKS served at `<issuer>/jwks.json` on 127.0.0.1, and
 * `mint(claims)` for tokens with `iss`, `aud`, `iat` and `exp` filled in. Not an identity provider: the benchmarks
 * only need real keys, a real JWKS endpoint and many distinct tokens.
 */
'use strict';
const http = require('node:http');
const { generateKeyPairSync, sign } = require('node:crypto');

/** Starts the issuer; `close()` stops it. `lifetime` is the tokens' validity in seconds. */
function startJwksIssuer({ audience, kid = 'bench-1', lifetime = 7200 }) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const server = http.createServer((req, res) => {
    if (req.url === '/jwks.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end();
  });
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const issuer = `http://127.0.0.1:${server.address().port}`;
      const mint = (claims) => {
        const now = Math.floor(Date.now() / 1000);
        const input = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64({ iss: issuer, aud: audience, iat: now, exp: now + lifetime, ...claims })}`;
        return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      };
      resolve({ issuer, jwksUri: `${issuer}/jwks.json`, mint, close: () => (server.closeAllConnections(), server.close()) });
    }),
  );
}

module.exports = { startJwksIssuer };
