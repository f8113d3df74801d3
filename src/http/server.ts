import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DB } from '../db/open.js';
import { FeedRepo } from '../db/feeds.js';
import type { Metrics } from '../metrics.js';

export type ExtraRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

/** `GET /healthz` (database reachable, last poll, failing feeds) and `GET /metrics` (Prometheus). */
export function createHttpServer(db: DB, metrics: Metrics, extra: ExtraRoute[] = []): http.Server {
  const feeds = new FeedRepo(db);
  return http.createServer(async (req, res) => {
    try {
      for (const route of extra) if (await route(req, res)) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/healthz') {
        let body: Record<string, unknown>;
        let status = 200;
        try {
          db.prepare('SELECT 1').get();
          const last = feeds.lastPollAt();
          body = { status: 'ok', database: 'ok', lastPollAt: last ? new Date(last).toISOString() : null, failingFeeds: feeds.failingCount() };
        } catch (err) {
          status = 503;
          body = { status: 'error', database: (err as Error).message };
        }
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${(err as Error).message}\n`);
    }
  });
}

export function listen(server: http.Server, port: number, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
