'use strict';
/**
 * Starts one example API from the command line. Configuration comes from the environment:
 *
 *   ISSUER     your identity provider's issuer URL (its keys are found through OpenID discovery)
 *   AUDIENCE   the audience your tokens carry for this API (required with ISSUER)
 *   JWKS_URI   optional: the issuer's JWKS URL, to skip discovery
 *   PORT       default 3000 (0 picks a free port);  HOST  default 127.0.0.1
 *
 * Without ISSUER it starts the development stand-in issuer in this process and prints curl commands with
 * tokens from it, so that the example runs with no configuration at all.
 */
const { startDevIssuer } = require('../dev-issuer');
const { demoRequests, formatDemoRequests } = require('./curl');

function configFromEnv(env) {
  if (!env.ISSUER) return undefined;
  if (!env.AUDIENCE) throw new Error('ISSUER is set but AUDIENCE is not: set AUDIENCE to the audience your tokens carry for this API');
  return { issuer: env.ISSUER, audience: env.AUDIENCE, jwksUri: env.JWKS_URI || undefined };
}

function portFromEnv(env, fallback) {
  if (env.PORT === undefined || env.PORT === '') return fallback;
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535, got "${env.PORT}"`);
  return port;
}

/**
 * @param {string} name e.g. "Express"
 * @param {(config: object) => Promise<{ ready: Promise<void>, listen(port: number, host: string): Promise<string>, close(): Promise<void> }>} createApp
 * @param {{ port?: number, env?: NodeJS.ProcessEnv, out?: (text: string) => void }} [options]
 * @returns the running API and, when started, the dev issuer; `stop()` closes both.
 */
async function runExample(name, createApp, options = {}) {
  const env = options.env || process.env;
  const out = options.out || ((text) => process.stdout.write(text));
  const port = portFromEnv(env, options.port === undefined ? 3000 : options.port);
  const host = env.HOST || '127.0.0.1';

  let config = configFromEnv(env);
  let devIssuer;
  if (!config) {
    devIssuer = await startDevIssuer({ log: (line) => out(`${line}\n`) });
    config = { issuer: devIssuer.issuer, audience: devIssuer.audience, jwksUri: devIssuer.jwksUri };
  }

  let api;
  try {
    api = await createApp(config);
    await api.ready; // a policy that does not compile or a failed issuer discovery stops us here, not at the first request
    const url = await api.listen(port, host);
    out(`\n${name} orders API listening on ${url}  (policy: policies/api-authz.rego, entrypoint authz/decision)\n`);
    out(`  issuer: ${config.issuer}${devIssuer ? '  <- DEVELOPMENT STAND-IN, never deploy' : ''}\n  audience: ${config.audience}\n\n`);
    if (devIssuer) out(`Try it (tokens from the dev issuer, valid for an hour):\n\n${formatDemoRequests(demoRequests(url, devIssuer))}\n`);
    const stop = async () => {
      await api.close();
      if (devIssuer) await devIssuer.close();
    };
    return { url, api, devIssuer, stop };
  } catch (error) {
    if (api) await api.close().catch(() => undefined);
    if (devIssuer) await devIssuer.close();
    throw error;
  }
}

/** For `node examples/<framework>/server.js`: run, print, stop cleanly on Ctrl+C, exit 1 with the reason on failure. */
function main(name, createApp) {
  runExample(name, createApp).then(
    (running) => {
      process.stdout.write('Press Ctrl+C to stop.\n');
      const stop = () => running.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error) => {
      console.error(`${name} example failed to start: ${error && error.message ? error.message : error}`);
      process.exit(1);
    },
  );
}

module.exports = { runExample, main };
