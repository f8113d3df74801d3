import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer, rss, type FeedItem } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';
import { htmlToText } from '../src/ingest/text.js';
import { TITLE_MAX } from '../src/ingest/normalise.js';

const day = (h: number) => `Tue, 03 Mar 2026 ${String(h).padStart(2, '0')}:00:00 GMT`;
const normal: FeedItem[] = Array.from({ length: 30 }, (_, i) => ({
  title: `Germany pledges Patriot battery to Ukraine, report ${i}`,
  link: `https://example.org/n/${i}`,
  guid: `n${i}`,
  date: day(1 + (i % 20)),
  description: 'Berlin will send another Patriot air defense system to Ukraine, the defence ministry said on Tuesday. '.repeat(3),
}));
const hostile: FeedItem = {
  title: 'Patriot air defense for Ukraine '.repeat(3300), // ~100 KB
  link: 'https://example.org/huge',
  guid: 'huge',
  date: day(22),
  description: `Patriot missiles \u202Eevil\u202C\u0007 a < b and c > d. ${'<!-- never closed '.repeat(1000)}${'Ukraine air defense words. '.repeat(38_000)}`, // ~1 MB
};

describe('input limits', () => {
  const server = new FeedServer();
  beforeAll(async () => {
    await server.start();
    server.route('/normal.xml', { body: rss('Desk', normal) });
    server.route('/hostile.xml', { body: rss('Desk', [...normal, hostile]) });
  });
  afterAll(() => server.stop());

  async function timedPoll(path: string) {
    const env = await testApp({ feeds: [{ url: server.url(path) }] });
    try {
      const started = performance.now();
      const report = await env.app.pipeline.poll();
      const ms = performance.now() - started;
      const huge = sqliteOf(env.app).prepare("SELECT title, description FROM articles WHERE guid = 'huge'").get() as { title: string; description: string } | undefined;
      const longestStoryTitle = sqliteOf(env.app).prepare('SELECT max(length(title)) FROM stories').pluck().get() as number;
      return { ms, report, huge, longestStoryTitle };
    } finally {
      await env.cleanup();
    }
  }

  it('a 100 KB title and a 1 MB description are cut, and the poll takes no more than twice as long', async () => {
    await timedPoll('/normal.xml'); // warm-up (JIT, first imports)
    const base = await timedPoll('/normal.xml');
    const withHostile = await timedPoll('/hostile.xml');
    console.log(`poll of 30 items: ${base.ms.toFixed(0)} ms; with a 100 KB title and a 1 MB description: ${withHostile.ms.toFixed(0)} ms`);
    expect(withHostile.report.newArticles).toBe(31);
    expect(withHostile.report.pendingArticles).toBe(0);
    expect(withHostile.huge!.title.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(withHostile.huge!.title.endsWith('…')).toBe(true);
    expect(withHostile.huge!.description.length).toBeLessThanOrEqual(1200);
    expect(withHostile.huge!.description).toContain('a < b and c > d');
    expect(withHostile.huge!.description).not.toMatch(/[\u202e\u202c\u0007]/);
    expect(withHostile.longestStoryTitle).toBeLessThanOrEqual(TITLE_MAX);
    expect(withHostile.ms).toBeLessThan(2 * base.ms + 250);
  });

  it('strips markup in linear time, keeping literal angle brackets', () => {
    expect(htmlToText('x < y and <b>bold</b> z > w')).toBe('x < y and bold z > w');
    expect(htmlToText('<p>a</p><script>alert(1)')).toBe('a');
    const started = performance.now();
    htmlToText('<script '.repeat(30_000) + '<!--'.repeat(30_000) + '<![CDATA['.repeat(30_000));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
