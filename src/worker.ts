import type http from 'node:http';
import { DateTime } from 'luxon';
import type { App } from './app.js';
import type { ChatEnv } from './config/env.js';
import { JobScheduler, cronPeriodMs } from './scheduler/jobs.js';
import { Retention } from './retention.js';
import { createHttpServer, listen, type ExtraRoute } from './http/server.js';
import { ConsoleAdapter } from './adapters/console/adapter.js';
import { TelegramAdapter } from './adapters/telegram/bot.js';
import { SlackAdapter } from './adapters/slack/app.js';
import { createWebRoute, type WebOptions } from './web/routes.js';
import { readAdminToken } from './config/env.js';
import { ROLE_KEYS, SessionLock } from './db/session-lock.js';

export interface Worker {
  host: string;
  port: number;
  telegram?: TelegramAdapter;
  slack?: SlackAdapter;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  port?: number;
  /** Bind address (default: config http.host, 127.0.0.1). */
  host?: string;
  chat?: ChatEnv;
  /** When retention runs (node-cron, with seconds; default hourly). */
  retentionTick?: string;
  /** How often due digests are looked for and the outbox sent (node-cron, with seconds). */
  digestTick?: string;
  /** How long stop() waits for running jobs before it cuts them off (default {@link STOP_GRACE_MS}). */
  stopGraceMs?: number;
  /** The web pages' options (default: ADMIN_TOKEN from the environment). */
  web?: WebOptions;
}

/** The latest time a Date can hold (a "never" stored as a huge number is shown as that). */
const MAX_DATE_MS = 8.64e15;

/** One line at start: when the feeds are polled next and when the next digest goes out, in local time. */
async function logNextRuns(app: App, log: App['log']): Promise<void> {
  const { poll, digest } = await app.health.nextDue();
  const zone = app.config.digest.timezone;
  const at = (ms: number, tz: string) => {
    const t = DateTime.fromMillis(Math.min(Math.max(ms, app.clock()), MAX_DATE_MS), { zone: tz });
    return `${t.toFormat(t.hasSame(DateTime.fromMillis(app.clock(), { zone: tz }), 'day') ? 'HH:mm' : 'yyyy-MM-dd HH:mm')} ${tz}`;
  };
  const parts = [
    poll ? `next poll ${poll.at <= app.clock() ? 'now' : at(poll.at, zone)} (${poll.feeds} feed${poll.feeds === 1 ? '' : 's'})` : 'no feeds to poll (add one: npm run cli -- feeds add URL)',
    digest ? `next digest ${at(digest.at, digest.timezone)} (${digest.platform}:${digest.chatId})` : 'no digest scheduled',
    `polls checked ${app.config.polling.tick === '*/30 * * * * *' ? 'every 30 s' : `on "${app.config.polling.tick}"`}`,
  ];
  const iso = (ms: number) => new Date(Math.min(ms, MAX_DATE_MS)).toISOString();
  log.info({ nextPoll: poll ? iso(poll.at) : null, nextDigest: digest ? iso(digest.at) : null }, parts.join(', '));
}

/** The worker could not start: one line naming the cause and the fix (exit code 1). */
export class StartError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

/**
 * How long a stopping worker waits for the jobs in progress (a poll finishing its feeds, a send)
 * before it cuts them off: well inside the 10 s a service manager usually gives after SIGTERM.
 */
export const STOP_GRACE_MS = 2500;
/** After the cut, how long the cut jobs get to wind down (write what they hold) before stop() returns. */
const WIND_DOWN_MS = 1000;

/**
 * The long-running process: polls due feeds on a node-cron tick (each feed has its own interval
 * and backoff in the database), builds and sends due digests, runs the chat adapters, serves
 * /healthz and /metrics, and stops cleanly.
 */
export async function startWorker(app: App, options: WorkerOptions = {}): Promise<Worker> {
  const { config, log, pipeline, delivery } = app;
  const chat = options.chat ?? {};
  // The stories on the web (src/web/): pages, Atom / JSON feeds, operator pages behind ADMIN_TOKEN.
  const routes: ExtraRoute[] = [createWebRoute(app, options.web ?? { adminToken: readAdminToken() })];
  const stoppers: (() => Promise<void>)[] = [];
  let updatesJob: { name: string; schedule: string; run: () => Promise<void> } | undefined;
  let telegram: TelegramAdapter | undefined;
  let slack: SlackAdapter | undefined;

  if (chat.telegram) {
    telegram = new TelegramAdapter(chat.telegram, delivery.subscriptions, delivery, log.child({ platform: 'telegram' }));
    delivery.register(telegram);
    const route = telegram.webhookRoute();
    if (route) routes.push(route);
  }
  if (chat.slack) {
    slack = new SlackAdapter(chat.slack, delivery.subscriptions, delivery, log.child({ platform: 'slack' }));
    delivery.register(slack);
  }
  if (!telegram && !slack) {
    // No chat platform configured: digests go to the console, on the default schedule.
    delivery.register(new ConsoleAdapter());
    if (!(await delivery.subscriptions.get('console', 'stdout'))) {
      for (const t of config.topics) await delivery.subscriptions.subscribe('console', 'stdout', t.id, 'console');
    }
    log.info('no chat token set: digests are printed to the console (see README to connect Telegram or Slack)');
  }

  app.metrics.enableProcessMetrics();
  const integrity = await app.health.checkIntegrity();
  if (integrity !== 'ok') log.error({ integrity }, 'database integrity check failed: /healthz reports it; restore a backup or run `sqlite3 FILE .recover`');

  // No poll completed for three polling intervals: /healthz reports the worker stalled.
  app.health.expectPollsEvery(config.polling.interval);
  const scheduler = new JobScheduler(log);
  const tickMs = cronPeriodMs(config.polling.tick);
  const pollJob = {
    name: 'poll-due-feeds',
    schedule: config.polling.tick,
    run: async () => {
      const report = await pipeline.pollDue();
      const cut = report.feeds.filter((f) => f.cutOff);
      if (cut.length) {
        log.warn({ feeds: cut.map((f) => f.url) }, `poll tick: ${cut.length} ${cut.length === 1 ? 'feed' : 'feeds'} cut off at the ${+(app.poller.deadlineMs / 1000).toFixed(1)} s deadline (recorded as failed, retried with backoff); the others were polled`);
      }
      if (report.durationMs > tickMs) {
        log.warn({ ms: Math.round(report.durationMs), tickMs }, `poll tick overran: it took ${(report.durationMs / 1000).toFixed(1)} s, longer than the ${tickMs / 1000} s between ticks; the ticks in between were skipped`);
      }
      if (report.feeds.length || report.processedArticles) {
        log.info(
          { feeds: report.feeds.length, failed: report.failedFeeds, newArticles: report.newArticles, updated: report.updatedArticles, processed: report.processedArticles, pending: report.pendingArticles, onTopic: report.relevantArticles, newStories: report.newStories, updatedStories: report.updatedStories, ms: Math.round(report.durationMs) },
          'polled due feeds',
        );
      }
    },
  };
  const retention = new Retention(app.db, config.retention.maxAge, app.clock, pipeline.role);
  const pruneJob = {
    name: 'retention',
    schedule: options.retentionTick ?? '0 17 * * * *',
    run: async () => {
      const r = await app.metrics.time('retention', () => retention.prune());
      if (r.articles) pipeline.resetCaches();
      if (r.articles || r.stories || r.digests) log.info({ ...r, durationMs: Math.round(r.durationMs) }, `pruned what is older than ${Math.round(config.retention.maxAge / 86_400_000)} days`);
    },
  };

  const server: http.Server = createHttpServer(app.health, app.metrics, routes);
  const host = options.host ?? config.http.host;
  let port: number;
  // A start either runs or fails whole: nothing is scheduled until every part has started, and a
  // part that fails releases the others (port, polling) before the error reaches the CLI.
  try {
    const wanted = options.port ?? config.http.port;
    port = await listen(server, wanted, host).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new StartError(`port ${wanted} on ${host} is in use by another process: stop it, or set HTTP_PORT (or http.port) to a free port`);
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') throw new StartError(`cannot serve on ${host}:${wanted} (${err.code}): check HTTP_HOST / HTTP_PORT`);
      throw err;
    });
    log.info({ host, port }, `serving the stories (/), /healthz and /metrics on http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    if (telegram) {
      stoppers.push(() => telegram!.stop());
      // Several workers of one bot on PostgreSQL: one at a time long-polls for commands (the Bot
      // API serves getUpdates to one client); all of them send.
      if (app.db.engine === 'postgres' && telegram.longPolling) {
        const tg = telegram;
        const role = new SessionLock(app.db, ROLE_KEYS.telegramUpdates, 'telegram updates');
        stoppers.push(() => role.release());
        await tg.start({ poll: false });
        updatesJob = {
          name: 'telegram-updates-role',
          schedule: '*/10 * * * * *',
          run: async () => {
            if (await role.acquire()) {
              if (!tg.polling) {
                log.info('this worker receives the Telegram commands (long polling); the others only send');
                tg.startPolling();
              }
            } else if (tg.polling) await tg.stopPolling();
          },
        };
      } else await telegram.start();
    }
    if (slack) {
      stoppers.push(() => slack!.stop());
      await slack.start();
    }
    // Said before anything is scheduled: a failure here still stops the start whole.
    await logNextRuns(app, log);
  } catch (err) {
    for (const stop of stoppers) await stop().catch(() => undefined);
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  scheduler.add(pollJob);
  scheduler.add(pruneJob);
  scheduler.add({ name: 'send-digests', schedule: options.digestTick ?? config.delivery.tick, run: () => app.metrics.time('send', () => delivery.tick()) });
  if (updatesJob) {
    scheduler.add(updatesJob);
    void scheduler.runNow(updatesJob);
  }
  void scheduler.runNow(pruneJob).then(() => scheduler.runNow(pollJob));
  return {
    host,
    port,
    telegram,
    slack,
    async stop() {
      log.info('stopping: finishing running jobs');
      for (const stop of stoppers) await stop().catch((err: unknown) => log.warn({ err }, 'adapter stop failed'));
      const grace = options.stopGraceMs ?? STOP_GRACE_MS;
      const unfinished = await scheduler.stop(grace);
      if (unfinished.length) {
        // A hanging feed (or anything else) never holds the process: cut the polls, stop waiting.
        const cut = app.poller.cutAll();
        const settled = await scheduler.settle(WIND_DOWN_MS);
        log.warn(
          { jobs: unfinished, feedsCut: cut, settled },
          `stopping without waiting any longer for ${unfinished.map((j) => `${j.name} (running for ${(j.runningMs / 1000).toFixed(1)} s)`).join(', ')}: still running after ${grace / 1000} s; ${cut} feed polls cut off`,
        );
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
