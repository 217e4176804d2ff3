'use strict';
/**
 * A stand-in authorization server for trying the example without one: an EC P-256 key, its JWKS on 127.0.0.1,
 * and a function that signs access tokens with it. Uses node:crypto only, so it runs on any Node 20.
 */
const http = require('node:http');
const { generateKeyPairSync, randomUUID, sign } = require('node:crypto');

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

async function startDemoIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;

  /** An ES256 access token for `audience` with the given space-separated scopes, valid for an hour. */
  function issueToken({ sub, scope, audience, clientId = 'demo-agent' }) {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ alg: 'ES256', kid, typ: 'at+jwt' });
    const payload = b64url({ iss: origin, sub, aud: audience, client_id: clientId, scope, iat: now, exp: now + 3600 });
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }

  return { issuer: origin, jwksUri: `${origin}/jwks.json`, issueToken, close: () => new Promise((resolve) => server.close(resolve)) };
}

module.exports = { startDemoIssuer };
