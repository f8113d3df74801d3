import type http from 'node:http';
import type { App } from './app.js';
import { JobScheduler } from './scheduler/jobs.js';
import { createHttpServer, listen } from './http/server.js';

export interface Worker {
  port: number;
  stop(): Promise<void>;
}

/**
 * The long-running process: polls due feeds on a node-cron tick (each feed has its own interval
 * and backoff in the database), serves /healthz and /metrics, and stops cleanly.
 */
export async function startWorker(app: App, options: { port?: number } = {}): Promise<Worker> {
  const { config, log, pipeline } = app;
  const scheduler = new JobScheduler(log);
  const pollJob = {
    name: 'poll-due-feeds',
    schedule: config.polling.tick,
    run: async () => {
      const report = await pipeline.pollDue();
      if (report.feeds.length) {
        log.info({ feeds: report.feeds.length, failed: report.failedFeeds, newArticles: report.newArticles, updated: report.updatedArticles, ms: Math.round(report.durationMs) }, 'polled due feeds');
      }
    },
  };
  scheduler.add(pollJob);
  const server: http.Server = createHttpServer(app.db, app.metrics);
  const port = await listen(server, options.port ?? config.http.port);
  log.info({ port }, `serving /healthz and /metrics on port ${port}`);
  void scheduler.runNow(pollJob);
  return {
    port,
    async stop() {
      log.info('stopping: finishing running jobs');
      await scheduler.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
