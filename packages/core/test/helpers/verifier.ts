/** A started TokenVerifier wired to a TestIssuer, for the tests that exercise verification and key fetching. */
import * as path from 'node:path';
import { resolveOptions, type AuthorizerOptions } from '../../src/options';
import { TokenVerifier } from '../../src/verify';
import { AUDIENCE, recordingLogger, type Recorded, type TestIssuer } from '../../../../test/support/issuer';

/** The adapters' shared test policy; resolving options needs a policy even where none is evaluated. */
export const TEST_POLICY = path.join(__dirname, '..', '..', '..', '..', 'test', 'adapters', 'policies', 'authz.rego');

const running: TokenVerifier[] = [];

/** Stops the background key refresh of every verifier started since the last call (for `afterEach`). */
export function closeStartedVerifiers(): void {
  for (const verifier of running.splice(0)) verifier.close();
}

/**
 * Resolves options for `issuer` (its issuer URL and JWKS, AUDIENCE, a recording logger; `options` override any of
 * them) and starts a verifier, which fetches the key set or runs discovery before this resolves.
 */
export async function startVerifier(
  issuer: TestIssuer,
  options: Partial<AuthorizerOptions> = {},
): Promise<{ verifier: TokenVerifier; records: Recorded[] }> {
  const { logger, records } = recordingLogger();
  const resolved = resolveOptions({
    policy: TEST_POLICY,
    entrypoint: 'authz/allow',
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
    ...options,
  });
  const verifier = new TokenVerifier(resolved, resolved.logger);
  running.push(verifier);
  await verifier.start();
  return { verifier, records };
}
