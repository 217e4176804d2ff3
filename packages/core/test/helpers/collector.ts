/**
 * A decision-log and status receiver on 127.0.0.1: records every POST to `/logs` (gunzipped JSON arrays, events
 * counted) and to `/status`. `down()` closes the listening socket (connections refused, as a collector that is
 * away) and `up()` listens again on the same port.
 */
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface Collector {
  url: string;
  events: Array<Record<string, unknown>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- status reports are free-form JSON, read by many assertions
  statuses: Array<Record<string, any>>;
  /** Bodies received on /logs, compressed sizes. */
  uploads: number[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const events: Array<Record<string, unknown>> = [];
  const statuses: Collector['statuses'] = [];
  const uploads: number[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        if (req.url?.startsWith('/logs')) {
          uploads.push(body.length);
          const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
          events.push(...(JSON.parse(text) as Array<Record<string, unknown>>));
        } else if (req.url?.startsWith('/status')) {
          statuses.push(JSON.parse(body.toString('utf8')));
        }
        res.writeHead(200).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  };
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    statuses,
    uploads,
    down: close,
    up: async () => {
      server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: async () => {
      if (server.listening) await close();
    },
  };
}
