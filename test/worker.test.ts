import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/worker.js';
import { Poller } from '../src/ingest/poller.js';
import { parseFeed, type ParsedFeed } from '../src/ingest/parse.js';
import { Pipeline } from '../src/pipeline.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../src/logger.js';
import type { App } from '../src/app.js';
import { FeedServer, rss } from './helpers/feed-server.js';
import { ROOT, sqliteOf, tempDir, testApp, writeConfig } from './helpers/app.js';

describe('worker', () => {
  const server = new FeedServer();
  let env: Awaited<ReturnType<typeof testApp>>;
  let release!: () => void;
  beforeAll(async () => {
    await server.start();
    const gate = new Promise<void>((r) => (release = r));
    server.route('/slow.xml', { wait: gate, body: rss('Slow', [{ title: 'Held item', link: 'http://s.example/1' }]) });
    server.route('/broken.xml', { status: 500 });
    env = await testApp({ http: { port: 0 }, feeds: [{ url: server.url('/slow.xml') }, { url: server.url('/broken.xml') }] });
  });
  afterAll(async () => {
    await env?.cleanup();
    await server.stop();
  });

  it('serves /healthz and /metrics, and on stop finishes the running poll first', async () => {
    const worker = await startWorker(env.app, { port: 0 });
    // The start-up poll is running and held by the slow feed; the broken feed has already failed.
    await expect.poll(() => server.hits('/broken.xml')).toBe(1);
    const stopping = worker.stop();
    release();
    await stopping;
    // The held poll completed before stop resolved: its article is stored.
    expect(sqliteOf(env.app).prepare('SELECT title FROM articles').pluck().all()).toEqual(['Held item']);

    const again = await startWorker(env.app, { port: 0 });
    try {
      const health = await (await fetch(`http://127.0.0.1:${again.port}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', database: 'ok', failingFeeds: 1 });
      expect(health.lastPollAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      const metrics = await (await fetch(`http://127.0.0.1:${again.port}/metrics`)).text();
      expect(metrics).toMatch(/news_digest_polls_total\{result="ok"\} 1/);
      expect(metrics).toMatch(/news_digest_fetch_errors_total\{kind="http"\} 1/);
      expect(metrics).toMatch(/news_digest_articles_stored_total\{change="new"\} 1/);
      expect(metrics).toMatch(/news_digest_poll_duration_seconds_count 2/);
      expect((await fetch(`http://127.0.0.1:${again.port}/nope`)).status).toBe(404);
    } finally {
      await again.stop();
    }
  });
});

const T0 = Date.parse('2026-03-03T10:00:00Z');
const INTERVAL = 60_000;
/** The stuck feed's parse is cut off this long after its poll started. */
const DEADLINE = 500;

/**
 * The app with a poller whose parse never settles for the feed titled "Stuck" (what a shared
 * parser once did to a document without a root element): only the whole-feed deadline ends it.
 */
function withStuckParse(app: App): App {
  const parse = (text: string) => (text.includes('<title>Stuck</title>') ? new Promise<{ feed: ParsedFeed; repaired: boolean }>(() => {}) : parseFeed(text));
  const f = app.config.fetch;
  const poller = new Poller(
    app.db,
    { limits: { timeoutMs: f.timeout, maxBytes: f.maxBytes, maxRedirects: f.maxRedirects, userAgent: f.userAgent }, concurrency: 4, defaultIntervalMs: app.config.polling.interval, maxBackoffMs: app.config.polling.maxBackoff, deadlineMs: DEADLINE, parse },
    silentLogger,
    app.metrics,
    app.clock,
    app.health,
  );
  const pipeline = new Pipeline(app.db, app.config, poller, app.log, app.clock, app.pipeline.policy, { metrics: app.metrics, health: app.health });
  return { ...app, poller, pipeline };
}

async function healthz(port: number): Promise<{ status: number; body: { status: string; problems: string[]; failing: { url: string; status: string; failures: number; error: string }[]; [k: string]: unknown } }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as never };
}

describe('worker with a feed that never settles beside a good one', () => {
  const server = new FeedServer();
  let goodItems = 1;
  beforeAll(async () => {
    await server.start();
    server.route('/stuck.xml', { body: rss('Stuck', [{ title: 'Never read', link: 'https://stuck.example/1' }]) });
    server.route('/good.xml', { handler: () => ({ body: rss('Good', Array.from({ length: goodItems }, (_, i) => ({ title: `Good item ${i}`, link: `https://good.example/${i}` }))) }) });
  });
  afterAll(() => server.stop());

  it('polls the good feed on time tick after tick and reports the stuck one in /healthz', async () => {
    let now = T0;
    // A tick every second (real time); feed intervals and backoff on the injected clock.
    const env = await testApp({ http: { port: 0 }, polling: { interval: INTERVAL / 1000, tick: '* * * * * *' }, feeds: [{ url: server.url('/stuck.xml') }, { url: server.url('/good.xml') }] }, () => now);
    let logs = '';
    const destination = new Writable({ write: (chunk, _enc, done) => ((logs += String(chunk)), done()) });
    const app = withStuckParse({ ...env.app, log: createLogger({ level: 'info', destination }) });
    const worker = await startWorker(app, { port: 0 });
    const feed = (url: string) => sqliteOf(app).prepare('SELECT last_status, error_count, next_poll_at FROM feeds WHERE url = ?').get(server.url(url)) as { last_status: string; error_count: number; next_poll_at: number };
    try {
      await expect.poll(() => feed('/good.xml').last_status).toBe('ok');
      await expect.poll(() => feed('/stuck.xml').last_status).toBe('timeout');
      const lags: number[] = [];
      for (let k = 1; k <= 4; k++) {
        // One polling interval later: the good feed is due, and polled by the next tick.
        goodItems++;
        now += INTERVAL;
        const due = performance.now();
        await expect.poll(() => sqliteOf(app).prepare('SELECT count(*) FROM articles').pluck().get(), { timeout: 5000, interval: 20 }).toBe(goodItems);
        lags.push(Math.round(performance.now() - due));
        expect(server.hits('/good.xml')).toBe(1 + k);
      }
      console.log(`good feed polled ${lags.length} intervals in a row, each within ${Math.max(...lags)} ms of being due (ticks every 1 s; lags ${lags.join(', ')} ms)`);
      expect(Math.max(...lags)).toBeLessThan(3000);
      // The stuck feed was cut off every time it was due (at T0, T0+1, T0+3 intervals: backoff ×1, ×2).
      await expect.poll(() => feed('/stuck.xml').error_count).toBe(3);
      expect(server.hits('/stuck.xml')).toBe(3);
      expect(sqliteOf(app).prepare("SELECT count(*) FROM articles WHERE title = 'Never read'").pluck().get()).toBe(0);
      // Each tick that cut the stuck feed off said so; node-cron never had to block a tick.
      expect(logs.match(/poll tick: 1 feed cut off at the 0\.5 s deadline/g)).toHaveLength(3);
      expect(logs).not.toMatch(/overlap prevention/);

      const h = await healthz(worker.port);
      expect(h.status).toBe(200);
      expect(h.body).toMatchObject({ status: 'ok', failingFeeds: 1 });
      expect(h.body.failing).toEqual([
        expect.objectContaining({ url: server.url('/stuck.xml'), status: 'timeout', failures: 3, error: 'no result within 0.5 s (fetch, parse and store); cut off' }),
      ]);
    } finally {
      await worker.stop();
      await env.cleanup();
    }
  }, 30_000);

  it('turns /healthz unhealthy when no poll has completed for three polling intervals', async () => {
    let now = T0;
    // Ticks once a year: after the start-up poll, none completes.
    const env = await testApp({ http: { port: 0 }, polling: { interval: INTERVAL / 1000, tick: '0 0 0 1 1 *' }, feeds: [{ url: server.url('/stuck.xml') }, { url: server.url('/good.xml') }] }, () => now);
    const app = withStuckParse(env.app);
    const worker = await startWorker(app, { port: 0 });
    try {
      // The start-up poll completes although one feed never settles.
      await expect.poll(async () => (await healthz(worker.port)).body.lastPollCompletedAt).toBe(new Date(T0).toISOString());
      now = T0 + 3 * INTERVAL;
      expect((await healthz(worker.port)).status).toBe(200);
      now += 1;
      const h = await healthz(worker.port);
      expect(h.status).toBe(503);
      expect(h.body.problems).toEqual([`no poll since ${new Date(T0).toISOString()} (limit 180 s)`]);
      expect(h.body.failing.map((f) => [f.url, f.status])).toEqual([[server.url('/stuck.xml'), 'timeout']]);
    } finally {
      await worker.stop();
      await env.cleanup();
    }
  });

  it('a real worker process exits within 5 s of SIGTERM while a poll hangs', async () => {
    // The transfer never ends and the fetch timeout is a minute: the poll is still running when
    // the signal comes.
    server.route('/hang.xml', { trickle: 50, body: '<?xml version="1.0"?><rss version="2.0"><channel><title>Hang</title>' });
    const tmp = tempDir();
    try {
      const config = writeConfig(tmp.dir, { fetch: { timeout: 60 }, feeds: [{ url: server.url('/hang.xml') }, { url: server.url('/good.xml') }] });
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--config', config], { cwd: ROOT, env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      try {
        await expect.poll(() => /\/healthz and \/metrics on http/.test(stderr) && server.hits('/hang.xml') > 0, { timeout: 30_000, interval: 50 }).toBe(true);
        await expect.poll(() => /"msg":"polled due feeds"|feed failed/.test(stderr) || server.hits('/good.xml') > 0, { timeout: 10_000, interval: 50 }).toBe(true);
        const sent = performance.now();
        child.kill('SIGTERM');
        const { code } = await exited;
        const ms = performance.now() - sent;
        console.log(`SIGTERM with a poll hanging: the worker process exited in ${Math.round(ms)} ms (code ${code})`);
        expect(ms).toBeLessThan(5000);
        expect(code).toBe(0);
        expect(stderr).toMatch(/stopping without waiting any longer for poll-due-feeds \(running for [\d.]+ s\): still running after 2.5 s; 1 feed polls cut off/);
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      tmp.cleanup();
    }
  }, 60_000);
});
