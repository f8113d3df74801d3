import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/worker.js';
import { FeedServer, rss } from './helpers/feed-server.js';
import { testApp } from './helpers/app.js';

describe('worker', () => {
  const server = new FeedServer();
  let env: ReturnType<typeof testApp>;
  let release!: () => void;
  beforeAll(async () => {
    await server.start();
    const gate = new Promise<void>((r) => (release = r));
    server.route('/slow.xml', { wait: gate, body: rss('Slow', [{ title: 'Held item', link: 'http://s.example/1' }]) });
    server.route('/broken.xml', { status: 500 });
    env = testApp({ http: { port: 0 }, feeds: [{ url: server.url('/slow.xml') }, { url: server.url('/broken.xml') }] });
  });
  afterAll(async () => {
    env.cleanup();
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
    expect(env.app.db.prepare('SELECT title FROM articles').pluck().all()).toEqual(['Held item']);

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
