/**
 * The Node.js binary a benchmark runs its processes on: this process's own unless the named environment variable
 * (BENCH_HTTP_NODE, SOAK_NODE) gives a major version, whose binary scripts/node-version.sh installs from the npm
 * registry (under .node-versions/<major>, untracked) and names.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const SCRIPT = path.join(__dirname, '..', 'scripts', 'node-version.sh');

/** `{ binary, version }` of the Node.js asked for in `process.env[variable]`, or of this process when it is unset. */
function nodeBinary(variable) {
  const major = (process.env[variable] ?? '').trim();
  if (major === '') return { binary: process.execPath, version: process.version };
  if (!/^\d+$/.test(major)) throw new Error(`${variable} must be a Node.js major version such as 22, got "${major}"`);
  let binary;
  try {
    binary = execFileSync('bash', [SCRIPT, major], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (error) {
    throw new Error(`${variable}=${major}: scripts/node-version.sh failed (${error.message.split('\n')[0]})`);
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  return { binary, version };
}

module.exports = { nodeBinary };
