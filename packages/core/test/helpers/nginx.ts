/**
 * A real nginx serving a temp folder as a bundle server: `daemon off`, pid/error/access logs in the temp dir,
 * static files with `etag on` (so If-None-Match gets 304), on 127.0.0.1 at a free port. `findNginx()` is undefined
 * when nginx is not installed (tests then skip, saying so); `.ci/run` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

export function findNginx(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  return ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'].find((candidate) => existsSync(candidate));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Nginx {
  url: string;
  /** The served folder: bundles are files below it. */
  root: string;
  /** `status path` lines of the access log, in order. */
  accessLog(): Array<{ status: number; path: string }>;
  stop(): Promise<void>;
}

export async function startNginx(binary: string, dir: string): Promise<Nginx> {
  const root = path.join(dir, 'www');
  mkdirSync(root, { recursive: true });
  // Started as root, nginx's workers run as an unprivileged user: they must be able to read the served folder.
  chmodSync(dir, 0o755);
  chmodSync(root, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  const access = path.join(dir, 'access.log');
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} info;
events { worker_connections 64; }
http {
  log_format brief '$status $request_uri';
  access_log ${access} brief;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/gzip gz; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    location / { root ${root}; etag on; }
  }
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr}`);
    try {
      await fetch(`${url}/`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not start listening: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    root,
    accessLog: () =>
      (existsSync(access) ? readFileSync(access, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [status, uri] = line.split(' ');
          return { status: Number(status), path: uri };
        }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
