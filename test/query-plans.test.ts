import { afterEach, describe, expect, it } from 'vitest';
import { FeedRepo } from '../src/db/feeds.js';
import { StoryRepo } from '../src/db/stories.js';
import { FeedServer } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';

/** Tables that grow with the archive: a statement of the poll path must not read one whole. */
const LARGE = new Set(['articles', 'story_articles', 'article_topics', 'term_df', 'topic_term_df', 'stories', 'subscription_stories']);
/** Read whole on purpose, once per process: the term statistics are kept in memory (src/stories/idf.ts). */
const WHOLE = new Set(['select "term", "df" from "term_df"']);

const T0 = Date.UTC(2026, 2, 2, 9);
const countries = ['Germany', 'Japan', 'Spain', 'Norway', 'Poland', 'Canada'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine'];

function rss(f: number, at: number, edited = false): string {
  const items = Array.from({ length: 12 }, (_, j) => {
    const on = j % 2 === 0;
    const title = on ? `${countries[(f + j) % countries.length]} ${acts[(f * 3 + j) % acts.length]}` : `Council approves new bus lanes (${f}-${j})`;
    const description = on
      ? `${title}. The ministry said the first deliveries were expected within weeks, with training for the crews already under way${edited ? ', officials added on Friday' : ''}.`
      : 'The city council voted on Tuesday.';
    return `<item><title>${title}</title><link>https://n${f}.example/${j}</link><guid>f${f}-${j}</guid><pubDate>${new Date(at + j * 600_000).toUTCString()}</pubDate><description>${description}</description></item>`;
  }).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk ${f}</title>${items}</channel></rss>`;
}

describe('query plans of the poll path (EXPLAIN QUERY PLAN)', () => {
  let cleanup = async () => {};
  afterEach(() => cleanup());

  it('reads no table that grows with the archive whole: every statement a poll and its processing run finds its rows by an index', async () => {
    const server = await new FeedServer().start();
    let clock = T0;
    const env = await testApp({ fetch: { allowHosts: [`127.0.0.1:${server.port}`] } }, () => clock);
    cleanup = async () => {
      await env.cleanup();
      await server.stop();
    };
    const { app } = env;
    const db = sqliteOf(app);
    const feeds = new FeedRepo(app.db);
    for (let f = 0; f < 6; f++) {
      server.route(`/feed/${f}.xml`, { handler: () => ({ body: rss(f, T0 - 3_600_000, clock > T0), headers: { 'content-type': 'application/rss+xml' } }) });
      await feeds.add(server.url(`/feed/${f}.xml`), 'user', T0);
    }
    // Every statement prepared from here on (the driver prepares each text once and caches it).
    const seen = new Set<string>();
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      seen.add(source);
      return prepare(source);
    }) as typeof db.prepare;

    // A first poll, then one with every on-topic item edited (updates, re-grouping), each processed.
    for (let round = 0; round < 2; round++) {
      clock = T0 + round * 3_600_000;
      let report = await app.pipeline.poll();
      while (report.pendingArticles > 0) {
        const more = await app.pipeline.processPending();
        if (!more.processedArticles) break;
        report = { ...report, pendingArticles: more.pendingArticles };
      }
    }
    // Two threads meeting fold one into the other; these few reports start none, so fold two here.
    await app.db.transaction((tx) => new StoryRepo(tx).mergeThreads(2, 1));
    const stories = db.prepare('SELECT count(*) FROM stories').pluck().get() as number;
    expect(stories).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThan(20);

    const scans: string[] = [];
    for (const source of seen) {
      if (!/^\s*(select|insert|update|delete|with)\b/i.test(source) || WHOLE.has(source)) continue;
      // Bound as at run time (SQLite plans with the values: \`needs_summary = ?\` finds the partial index for 1, not for null).
      const params = (source.match(/\?/g) ?? []).length;
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...Array.from({ length: params }, () => 1)) as { detail: string }[];
      for (const { detail } of plan) {
        const m = /^SCAN (\w+)(?: AS \w+)?$/.exec(detail);
        if (m && LARGE.has(m[1]!)) scans.push(`${detail}: ${source.replace(/\s+/g, ' ').slice(0, 160)}`);
      }
    }
    expect(scans).toEqual([]);
  });
});
