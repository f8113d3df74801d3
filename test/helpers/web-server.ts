import type http from 'node:http';
import type { App } from '../../src/app.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createWebRoute, type WebOptions } from '../../src/web/routes.js';

/** The worker's HTTP server (the same createHttpServer and web route) on 127.0.0.1, without its jobs. */
export async function serveWeb(app: App, options: WebOptions = {}): Promise<{ base: string; url(path: string): string; stop(): Promise<void> }> {
  const server: http.Server = createHttpServer(app.health, app.metrics, [createWebRoute(app, options)]);
  const port = await listen(server, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: (path) => `${base}${path}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
