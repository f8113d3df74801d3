import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../metrics.js';
import type { HealthMonitor } from '../health.js';

export type ExtraRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

/**
 * `GET /healthz` (200 when the worker works: database readable and writable, integrity checked,
 * polls running, no backlog beyond its limit; 503 with the problems otherwise) and `GET /metrics`
 * (Prometheus).
 */
export function createHttpServer(health: HealthMonitor, metrics: Metrics, extra: ExtraRoute[] = []): http.Server {
  return http.createServer(async (req, res) => {
    try {
      for (const route of extra) if (await route(req, res)) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/healthz') {
        const body = await health.report();
        const status = body.status === 'ok' ? 200 : 503;
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

export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
