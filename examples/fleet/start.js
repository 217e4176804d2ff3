#!/usr/bin/env node
'use strict';
/**
 * A small fleet on 127.0.0.1, in one command (`node examples/fleet/start.js`, after `npm run build`):
 *
 *   nginx (bundle server) ── bundles/authz.tar.gz ──▶ instance A, instance B (Express + opa-jwt, `opaConfig`)
 *                                                         │ decision logs (gzipped), status
 *   collector (this script) ◀──────────────────────────────┘
 *
 * The bundle is policies/api-authz.rego built as `opa-jwt build` does. Type `publish` (Enter) to publish a new
 * revision built from the file as it is now (edit it first to see answers change), `deny` to publish one that
 * denies everything; watch both instances pick it up and the collector count decisions. Needs nginx
 * (apt-get install nginx). Not for production: the issuer is the development stand-in.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { gunzipSync } = require('node:zlib');
const express = require('express');
const { opaJwt } = require('@opa-jwt/express');
const { readinessHandler } = require('@opa-jwt/core');
const { compile, writeBundle } = require('@opa-jwt/rego');
const { startDevIssuer } = require('../dev-issuer');

const ROOT = path.join(__dirname, '..', '..');
const POLICY = path.join(ROOT, 'policies', 'api-authz.rego');
const ENTRYPOINT = 'authz/decision';
const DENY_ALL = 'package authz\n\ndecision := {"allow": false, "external_message": "revision says no"}\n';

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));

function buildBundle(source, revision) {
  const modules = [{ path: 'authz/api-authz.rego', source }];
  const compiled = compile({ modules, entrypoints: [ENTRYPOINT] });
  return writeBundle({
    wasm: compiled.wasm,
    regoFiles: modules,
    manifest: { revision, roots: [''], wasm: [{ entrypoint: ENTRYPOINT, module: '/policy.wasm' }] },
  });
}

async function startNginx(dir) {
  const binary = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (!binary) throw new Error('nginx is not installed (apt-get install -y nginx)');
  const www = path.join(dir, 'www');
  fs.mkdirSync(path.join(www, 'bundles'), { recursive: true });
  for (const folder of [dir, www, path.join(www, 'bundles')]) fs.chmodSync(folder, 0o755);
  const port = await new Promise((resolve) => {
    const probe = http.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 64; }
http { access_log ${dir}/access.log; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; location / { root ${www}; etag on; } } }
`,
  );
  const child = spawn(binary, ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return { url, www, stop: () => child.kill('SIGTERM') };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error('nginx did not start');
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-fleet-example-'));
  const nginx = await startNginx(dir);
  let revision = 0;
  const publish = (source) => {
    revision++;
    const file = path.join(nginx.www, 'bundles', 'authz.tar.gz');
    fs.writeFileSync(`${file}.tmp`, buildBundle(source, `r${revision}`));
    const mtime = Math.floor(Date.now() / 1000) + revision; // nginx's ETag is mtime + size
    fs.utimesSync(`${file}.tmp`, mtime, mtime);
    fs.renameSync(`${file}.tmp`, file);
    console.log(`published revision r${revision}`);
  };

  let events = 0;
  const collector = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url.startsWith('/logs')) {
        const batch = JSON.parse(gunzipSync(body).toString('utf8'));
        events += batch.length;
        const last = batch[batch.length - 1];
        console.log(
          `collector: ${batch.length} decision(s) from ${last.labels.instance} (revision ${last.bundles.authz.revision}); ${events} in all`,
        );
      } else if (req.url.startsWith('/status')) {
        const status = JSON.parse(body.toString('utf8'));
        console.log(
          `collector: status from ${status.labels.instance}: bundle authz at ${status.bundles.authz.active_revision ?? '(none)'}${status.bundles.authz.message ? `, error: ${status.bundles.authz.message}` : ''}`,
        );
      }
      res.writeHead(200).end();
    });
  });
  const collectorUrl = await listen(collector);
  const issuer = await startDevIssuer({ port: 0, log: () => undefined });

  const instances = [];
  for (const name of ['A', 'B']) {
    const auth = opaJwt({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      audience: issuer.audience,
      entrypoint: ENTRYPOINT,
      opaConfig: {
        services: { bundles: { url: nginx.url }, collector: { url: collectorUrl } },
        bundles: {
          authz: { service: 'bundles', resource: 'bundles/authz.tar.gz', polling: { min_delay_seconds: 1, max_delay_seconds: 2 } },
        },
        decision_logs: { service: 'collector', reporting: { min_delay_seconds: 2, max_delay_seconds: 3 } },
        status: { service: 'collector' },
        labels: { instance: name },
      },
    });
    const app = express();
    app.get('/health/ready', readinessHandler(auth.authorizer));
    app.use(auth);
    app.get('/orders/:id', (req, res) => res.json({ id: req.params.id, instance: name }));
    const server = http.createServer(app);
    instances.push({ name, auth, server, url: await listen(server) });
  }

  const bob = issuer.mintToken('bob');
  console.log('\nBefore a bundle is published, both instances answer 503 (fail closed):');
  for (const { name, url } of instances) console.log(`  curl -i ${url}/health/ready    # instance ${name}`);
  publish(fs.readFileSync(POLICY, 'utf8'));
  await Promise.all(instances.map((instance) => instance.auth.ready));
  console.log('\nBoth instances enforce the bundle now. Try:');
  for (const { name, url } of instances)
    console.log(`  curl -i -H "Authorization: Bearer ${bob}" ${url}/orders/7    # instance ${name}: 200`);
  console.log('\nType "publish" (after editing policies/api-authz.rego) or "deny" and press Enter; Ctrl+C to stop.\n');

  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() === 'publish') publish(fs.readFileSync(POLICY, 'utf8'));
    else if (line.trim() === 'deny') publish(DENY_ALL);
  });
  const stop = async () => {
    input.close();
    for (const { auth, server } of instances) {
      server.close();
      await auth.close();
    }
    collector.close();
    await issuer.close();
    nginx.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(`fleet example failed: ${error && error.message ? error.message : error}`);
  process.exit(1);
});
