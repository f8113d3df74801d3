import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer, atom, rss } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';

const T0 = Date.parse('2026-03-03T10:00:00Z');
const items = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ title: `${prefix} item ${i}`, link: `https://${prefix.toLowerCase()}.example/${i}`, guid: `${prefix}-${i}` }));

/** Tricky answers: each must get the same status whether its feed is polled alone or among the others. */
const ROUTES: Record<string, Parameters<FeedServer['route']>[1]> = {
  '/good.xml': { body: rss('Good', items('Good', 3)) },
  '/bare.xml': { body: '<?xml version="1.0"?>' },
  '/prolog-comment.xml': { body: '<?xml version="1.0" encoding="utf-8"?>\n<!-- nothing here -->\n' },
  '/atom.xml': { body: atom('Atomic', items('Atomic', 2)) },
  '/hang.xml': { trickle: 50, body: '<?xml version="1.0"?><rss version="2.0"><channel><title>Hang</title>' },
  '/no-version.xml': { body: '<rss><channel><title>Versionless</title><item><title>Old style</title><link>https://old.example/1</link></item></channel></rss>' },
  '/empty.xml': { body: '' },
  '/page.html': { headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>' },
  '/gone.xml': { status: 404 },
  '/after-bare.xml': { body: rss('After', items('After', 2)) },
};

type Outcome = { status: string; kind: string | null; items: number; stored: number; title: string | null };

describe('every feed gets the same status polled alone or together', () => {
  const server = new FeedServer();
  beforeAll(async () => {
    await server.start();
    for (const [path, route] of Object.entries(ROUTES)) server.route(path, route);
  });
  afterAll(() => server.stop());

  /** Polls the feeds in one poll of a fresh database; the outcome of each, by path. */
  async function poll(paths: string[]): Promise<Record<string, Outcome>> {
    // Fetch timeout 1 s: the never-ending transfer is cut at 1 s, its whole-feed deadline at 2 s.
    const env = await testApp({ fetch: { timeout: 1 }, feeds: paths.map((p) => ({ url: server.url(p) })) }, () => T0);
    try {
      const report = await env.app.pipeline.poll();
      const out: Record<string, Outcome> = {};
      for (const r of report.feeds) {
        const path = new URL(r.url).pathname;
        const stored = sqliteOf(env.app).prepare('SELECT count(*) FROM articles WHERE feed_id = ?').pluck().get(r.feedId) as number;
        const title = sqliteOf(env.app).prepare('SELECT title FROM feeds WHERE id = ?').pluck().get(r.feedId) as string | null;
        out[path] = { status: r.status, kind: r.errorKind ?? null, items: r.items, stored, title };
      }
      return out;
    } finally {
      await env.cleanup();
    }
  }

  it('alone, together, and together in reverse order: same statuses, items and titles', async () => {
    const paths = Object.keys(ROUTES);
    const alone: Record<string, Outcome> = {};
    for (const p of paths) Object.assign(alone, await poll([p]));
    const together = await poll(paths);
    const reversed = await poll([...paths].reverse());
    console.log(Object.entries(alone).map(([p, o]) => `${p}: ${o.status}${o.kind ? ` (${o.kind})` : ''}, ${o.stored} stored`).join('; '));
    expect(together).toEqual(alone);
    expect(reversed).toEqual(alone);
    // The tricky ones, as they should be.
    expect(alone['/good.xml']).toEqual({ status: 'ok', kind: null, items: 3, stored: 3, title: 'Good' });
    expect(alone['/after-bare.xml']).toMatchObject({ status: 'ok', stored: 2, title: 'After' });
    expect(alone['/hang.xml']).toMatchObject({ status: 'error', kind: 'timeout', stored: 0, title: null });
    for (const p of ['/bare.xml', '/prolog-comment.xml', '/empty.xml', '/page.html']) expect(alone[p], p).toMatchObject({ status: 'error', stored: 0, title: null });
    expect(alone['/gone.xml']).toMatchObject({ status: 'error', kind: 'http' });
  }, 60_000);
});
