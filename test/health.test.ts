import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/worker.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/logger.js';
import { FeedServer, rss } from './helpers/feed-server.js';
import { sqliteOf, tempDir, testApp, writeConfig } from './helpers/app.js';

const items = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    title: `Germany pledges Patriot battery to Ukraine, item ${from + i}`,
    link: `https://example.org/h/${from + i}`,
    guid: `h${from + i}`,
    description: 'Berlin will send another Patriot air defense system to Ukraine. '.repeat(6),
  }));

async function healthz(port: number): Promise<{ status: number; body: { status: string; problems: string[]; [k: string]: unknown } }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as never };
}

describe('/healthz tells the truth', () => {
  const server = new FeedServer();
  let feedItems = items(5);
  beforeAll(async () => {
    await server.start();
    server.route('/feed.xml', { handler: () => ({ body: rss('Desk', feedItems) }) });
  });
  afterAll(() => server.stop());

  it('a full disk: the feed is not blamed, /healthz fails until a write succeeds, nothing is lost', async () => {
    let now = Date.parse('2026-03-03T10:00:00Z');
    const env = await testApp({ http: { port: 0 }, feeds: [{ url: server.url('/feed.xml') }] }, () => now);
    const worker = await startWorker(env.app, { port: 0 });
    try {
      await expect.poll(() => sqliteOf(env.app).prepare('SELECT count(*) FROM articles WHERE processed_at IS NOT NULL').pluck().get()).toBe(5);
      const ok = await healthz(worker.port);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ status: 'ok', integrity: 'ok', pendingArticles: 0, pendingDigests: 0 });

      // The disk is "full": the file may not grow by a single page.
      const pages = sqliteOf(env.app).pragma('page_count', { simple: true }) as number;
      sqliteOf(env.app).pragma(`max_page_count = ${pages}`);
      feedItems = items(400);
      const full = await env.app.pipeline.poll();
      expect(full.feeds[0]!.status).toBe('skipped');
      const sick = await healthz(worker.port);
      expect(sick.status).toBe(503);
      expect(sick.body.problems.join('\n')).toMatch(/database write failed at .*: database or disk is full/);
      const feed = sqliteOf(env.app).prepare('SELECT last_status, error_count FROM feeds').get() as { last_status: string; error_count: number };
      expect(feed).toEqual({ last_status: 'ok', error_count: 0 });

      // Space again: the next poll stores and processes everything, and health recovers.
      sqliteOf(env.app).pragma('max_page_count = 1073741823');
      now += 3_600_000;
      const again = await env.app.pipeline.poll();
      expect(again.newArticles).toBe(395);
      expect(again.pendingArticles).toBe(0);
      expect((await healthz(worker.port)).status).toBe(200);
    } finally {
      await worker.stop();
      await env.cleanup();
    }
  });

  it('reports digests stuck in the outbox and a stalled poll; /metrics shows backlogs, stages and process metrics', async () => {
    let now = Date.parse('2026-03-03T10:00:00Z');
    const env = await testApp({ http: { port: 0 }, feeds: [{ url: server.url('/feed.xml') }] }, () => now);
    const worker = await startWorker(env.app, { port: 0 });
    try {
      await expect.poll(() => sqliteOf(env.app).prepare('SELECT count(*) FROM articles WHERE processed_at IS NOT NULL').pluck().get()).toBeGreaterThan(0);
      const db = sqliteOf(env.app);
      const sub = db.prepare("INSERT INTO subscriptions (platform, chat_id, topics, schedule, timezone, max_stories, created_at, updated_at) VALUES ('telegram', '42', '[]', 'off', 'UTC', 5, ?, ?)").run(now, now);
      db.prepare("INSERT INTO digests (subscription_id, window_key, window_start, window_end, model, status, next_attempt_at, created_at) VALUES (?, 'k', 0, 0, '{}', 'pending', ?, ?)").run(sub.lastInsertRowid, now, now);
      expect((await healthz(worker.port)).status).toBe(200);
      now += 2 * 3_600_000; // two hours later, still undelivered (no Telegram adapter runs here)
      const stuck = await healthz(worker.port);
      expect(stuck.status).toBe(503);
      expect(stuck.body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^1 digests wait to be delivered, the oldest since 2026-03-03T10:00:00.000Z/), expect.stringMatching(/^no poll since/)]));
      const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
      expect(metrics).toMatch(/^news_digest_pending_digests 1$/m);
      expect(metrics).toMatch(/^news_digest_oldest_pending_digest_seconds 7200$/m);
      expect(metrics).toMatch(/^news_digest_pending_articles 0$/m);
      expect(metrics).toMatch(/^news_digest_dead_digests 0$/m);
      expect(metrics).toMatch(/news_digest_stage_duration_seconds_count\{stage="poll"\} [1-9]/);
      expect(metrics).toMatch(/news_digest_stage_duration_seconds_count\{stage="process"\} [1-9]/);
      expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    } finally {
      await worker.stop();
      await env.cleanup();
    }
  });

  it('binds to loopback unless told otherwise (HTTP_HOST)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = writeConfig(dir, { http: { port: 0 } });
      expect(loadConfig(file, {}).http.host).toBe('127.0.0.1');
      expect(loadConfig(file, { HTTP_HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
      const app = await createApp(loadConfig(file, {}), silentLogger);
      const worker = await startWorker(app, { port: 0 });
      expect(worker.host).toBe('127.0.0.1');
      await worker.stop();
      await app.close();
    } finally {
      cleanup();
    }
  });
});

describe('/healthz on a damaged database', () => {
  it('fails the integrity check at start and says so', async () => {
    const { dir, cleanup } = tempDir();
    const file = path.join(dir, 'damaged.db');
    try {
      const seed = await createApp(loadConfig(writeConfig(dir, { database: file, http: { port: 0 } }), {}), silentLogger);
      // Pages the start does not read (a table of its own), so the worker starts and must find the damage itself.
      const raw = sqliteOf(seed);
      raw.exec('CREATE TABLE ballast (id INTEGER PRIMARY KEY, text TEXT)');
      const insert = raw.prepare('INSERT INTO ballast (text) VALUES (?)');
      raw.transaction(() => {
        for (let i = 0; i < 3000; i++) insert.run(`row ${i} ${'x'.repeat(100)}`);
      })();
      raw.pragma('wal_checkpoint(TRUNCATE)');
      await seed.close();
      // Overwrite pages in the middle of the file (not the header): an index and a table broken.
      const size = statSync(file).size;
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
      closeSync(fd);

      const app = await createApp(loadConfig(writeConfig(dir, { database: file, http: { port: 0 } }), {}), silentLogger);
      const worker = await startWorker(app, { port: 0 });
      try {
        const h = await healthz(worker.port);
        expect(h.status).toBe(503);
        expect(h.body.problems.join('\n')).toMatch(/integrity check failed/);
      } finally {
        await worker.stop();
        await app.close();
      }
    } finally {
      cleanup();
    }
  });
});
