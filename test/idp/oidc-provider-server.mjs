// A real OpenID Provider (panva's oidc-provider, OpenID certified) on 127.0.0.1 for test/idp/oidc-provider.test.ts.
// It issues RFC 9068 JWT access tokens through the client credentials grant for one resource indicator (RFC 8707).
// Prints {"issuer": ...} on its first stdout line once listening; stops on SIGTERM or when its stdin closes, so it
// never outlives the test that started it. oidc-provider is ESM-only, hence a child process rather than a jest import.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const [resource, otherResource] = process.argv.slice(2);
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'op-rsa-1',
  use: 'sig',
  alg: 'RS256',
};

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'reader-agent',
      client_secret: 'reader-agent-secret-0123456789abcdef',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'orders:read',
    },
    {
      client_id: 'writer-agent',
      client_secret: 'writer-agent-secret-0123456789abcdef',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'orders:read orders:write',
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: ['orders:read', 'orders:write'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== resource && indicator !== otherResource) throw new errors.InvalidTarget();
        return {
          scope: 'orders:read orders:write',
          audience: indicator,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});
server.on('request', provider.callback());

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
