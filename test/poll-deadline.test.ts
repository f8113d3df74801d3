import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Poller, type PollOptions } from '../src/ingest/poller.js';
import { parseFeed, type ParsedFeed } from '../src/ingest/parse.js';
import { formatPollReport } from '../src/commands/poll.js';
import { silentLogger } from '../src/logger.js';
import { FeedServer, rss } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';

const T0 = Date.parse('2026-03-03T10:00:00Z');
const INTERVAL = 60_000;
const items = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ title: `${prefix} item ${i}`, link: `https://${prefix.toLowerCase()}.example/${i}`, guid: `${prefix}-${i}` }));

function options(over: Partial<PollOptions>): PollOptions {
  // The transfer's own timeout is a minute: only the whole-feed deadline can cut these polls.
  return { limits: { timeoutMs: 60_000, maxBytes: 5_000_000, maxRedirects: 3, userAgent: 'test' }, concurrency: 4, defaultIntervalMs: INTERVAL, maxBackoffMs: 3_600_000, ...over };
}

type Feed = { url: string; title: string | null; last_status: string | null; last_error: string | null; error_count: number; next_poll_at: number; last_skipped: number; last_skip_reason: string | null };

describe('every feed is polled under a deadline', () => {
  const server = new FeedServer();
  const goodXml = rss('Good', items('Good', 3));
  beforeAll(async () => {
    await server.start();
    server.route('/good.xml', { body: goodXml });
    server.route('/stuck.xml', { body: rss('Stuck', items('Stuck', 2)) });
    server.route('/trickle.xml', { trickle: 20, body: '<?xml version="1.0"?><rss version="2.0"><channel><title>Trickle</title>' });
    server.route('/nolink.xml', { body: rss('Partial', [...items('Partial', 2), { title: 'No link at all', link: '', guid: 'not-a-url' }]) });
  });
  afterAll(() => server.stop());

  it('a parse that never settles is cut off at the deadline, the other feeds finish, and its late result is never stored', async () => {
    let now = T0;
    const env = await testApp({ feeds: [{ url: server.url('/stuck.xml') }, { url: server.url('/good.xml') }] }, () => now);
    try {
      const late: ((v: { feed: ParsedFeed; repaired: boolean }) => void)[] = [];
      const parse = (text: string) => (text.includes('<title>Stuck</title>') ? new Promise<{ feed: ParsedFeed; repaired: boolean }>((r) => late.push(r)) : parseFeed(text));
      const poller = new Poller(env.app.db, options({ deadlineMs: 300, parse }), silentLogger, undefined, () => now);
      const started = performance.now();
      const results = await poller.pollAll();
      const ms = performance.now() - started;
      console.log(`poll of a never-settling feed beside a good one: settled in ${Math.round(ms)} ms (deadline 300 ms)`);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(results.map((r) => [r.url, r.status, r.errorKind ?? null])).toEqual([
        [server.url('/stuck.xml'), 'error', 'timeout'],
        [server.url('/good.xml'), 'ok', null],
      ]);
      expect(results[0]).toMatchObject({ cutOff: true, error: 'no result within 0.3 s (fetch, parse and store); cut off' });
      expect(poller.busy).toBe(false);

      // The stray parse settles now, with another feed's result (as the shared parser once did):
      // nothing of it is stored, the feed is not renamed, its failure stands.
      late[0]!(await parseFeed(goodXml));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const db = sqliteOf(env.app);
      const feed = (url: string) => db.prepare('SELECT * FROM feeds WHERE url = ?').get(url) as Feed;
      const stuck = feed(server.url('/stuck.xml'));
      expect(stuck).toMatchObject({ title: null, last_status: 'timeout', error_count: 1, next_poll_at: T0 + INTERVAL });
      expect(db.prepare('SELECT count(*) FROM articles WHERE feed_id = (SELECT id FROM feeds WHERE url = ?)').pluck().get(server.url('/stuck.xml'))).toBe(0);
      expect(db.prepare('SELECT title FROM articles ORDER BY id').pluck().all()).toEqual(['Good item 0', 'Good item 1', 'Good item 2']);

      // Backoff: the next failure waits twice as long.
      now = T0 + INTERVAL;
      const again = await poller.pollDue();
      // pollDue reports feeds as their polls finish (it leases more as others end): in feed order here.
      expect([...again].sort((a, b) => a.feedId - b.feedId).map((r) => [r.url, r.status])).toEqual([
        [server.url('/stuck.xml'), 'error'],
        [server.url('/good.xml'), 'ok'],
      ]);
      expect(feed(server.url('/stuck.xml'))).toMatchObject({ error_count: 2, next_poll_at: now + 2 * INTERVAL });
    } finally {
      await env.cleanup();
    }
  });

  it('a transfer that never ends is cut off at the whole-feed deadline even when the fetch timeout is longer', async () => {
    const env = await testApp({ feeds: [{ url: server.url('/trickle.xml') }, { url: server.url('/good.xml') }] }, () => T0);
    try {
      const poller = new Poller(env.app.db, options({ deadlineMs: 400 }), silentLogger, undefined, () => T0);
      const started = performance.now();
      const results = await poller.pollAll();
      const ms = performance.now() - started;
      console.log(`poll of a never-ending transfer beside a good one: settled in ${Math.round(ms)} ms (deadline 400 ms, fetch timeout 60 s)`);
      expect(ms).toBeLessThan(10_000);
      expect(results.map((r) => [r.status, r.errorKind ?? null, r.cutOff ?? false])).toEqual([
        ['error', 'timeout', true],
        ['ok', null, false],
      ]);
      expect(sqliteOf(env.app).prepare('SELECT last_status FROM feeds ORDER BY id').pluck().all()).toEqual(['timeout', 'ok']);
    } finally {
      await env.cleanup();
    }
  });

  it('the deadline defaults to the fetch timeout and half again (at least a second)', async () => {
    const env = await testApp({ fetch: { timeout: 20 } });
    try {
      expect(env.app.poller.deadlineMs).toBe(30_000);
      expect(new Poller(env.app.db, options({ limits: { timeoutMs: 500, maxBytes: 1, maxRedirects: 0, userAgent: 't' } }), silentLogger).deadlineMs).toBe(1500);
    } finally {
      await env.cleanup();
    }
  });

  it('an item that cannot be read is skipped and counted, never the feed: shown by poll, kept on the feed', async () => {
    const env = await testApp({ feeds: [{ url: server.url('/nolink.xml') }] }, () => T0);
    try {
      const report = await env.app.pipeline.poll();
      const lines = formatPollReport(report);
      expect(lines[0]).toMatch(/^✓ Partial <.*\/nolink\.xml>: 2 items, 2 new, 0 updated; 1 item skipped: no link$/);
      expect(report.feeds[0]!.skipped).toEqual({ count: 1, reasons: { 'no link': 1 } });
      const row = sqliteOf(env.app).prepare('SELECT last_status, last_skipped, last_skip_reason FROM feeds').get();
      expect(row).toEqual({ last_status: 'ok', last_skipped: 1, last_skip_reason: '1 item skipped: no link' });

      // An item whose fields throw when read (a parser's odd object) is skipped with its reason.
      const broken = { get link(): string {
        throw new TypeError('parsed.title?.trim is not a function');
      } };
      const parse = async (text: string) => {
        const { feed, repaired } = await parseFeed(text);
        return { feed: { ...feed, items: [broken as never, ...feed.items] }, repaired };
      };
      const poller = new Poller(env.app.db, options({ parse }), silentLogger, undefined, () => T0 + INTERVAL);
      const [r] = await poller.pollAll();
      expect(r).toMatchObject({ status: 'ok', items: 2, skipped: { count: 2, reasons: { 'no link': 1, 'unreadable item: parsed.title?.trim is not a function': 1 } } });
      expect(sqliteOf(env.app).prepare('SELECT last_skip_reason FROM feeds').pluck().get()).toBe('2 items skipped: 1 no link, 1 unreadable item: parsed.title?.trim is not a function');
    } finally {
      await env.cleanup();
    }
  });
});
