#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the whole thing in one process, with no configuration and no network beyond 127.0.0.1.
 * Starts the development stand-in issuer and the Express orders API on free ports, then prints curl commands
 * (real tokens inline) showing a 200, a 401, 403s with the policy's message, and a 201.
 */
const { runExample } = require('../shared/run');
const { createApp } = require('../express/app');

const RULE = '='.repeat(100);

async function start() {
  // The environment is ignored on purpose: the demo always uses the dev issuer and free ports.
  const running = await runExample('Express', createApp, { port: 0, env: {}, out: (text) => process.stdout.write(text) });
  process.stdout.write(
    [
      RULE,
      'The issuer above is a DEVELOPMENT STAND-IN: anyone on this machine can get a token from it. Never deploy it;',
      'in production, point ISSUER and AUDIENCE at your identity provider (see README.md, "Configuration").',
      'The policy is policies/api-authz.rego: edit it and restart to see the answers change.',
      RULE,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

start().catch((error) => {
  console.error(`demo failed to start: ${error && error.message ? error.message : error}`);
  process.exit(1);
});
