import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer, rss, type FeedItem } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';
import { Retention } from '../src/retention.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-05T09:00:00Z');

/** Reports of one event; `word` is a name only these reports carry. */
function reports(prefix: string, word: string, at: number): FeedItem[] {
  return ['Reuters', 'AP', 'DW'].map((outlet, i) => ({
    title: `${word} pledges Patriot battery to Ukraine`,
    link: `https://${outlet.toLowerCase()}.example/${prefix}/${i}`,
    guid: `${prefix}-${i}`,
    date: new Date(at + i * 600_000).toUTCString(),
    description: `${word} will send a Patriot air defense system to Ukraine, officials in ${word} said, after talks with Kyiv.`,
  }));
}

describe('retention', () => {
  const server = new FeedServer();
  let feed: FeedItem[] = reports('old', 'Zorblania', T0);
  beforeAll(async () => {
    await server.start();
    server.route('/feed.xml', { handler: () => ({ body: rss('Desk', feed) }) });
  });
  afterAll(() => server.stop());

  it('prunes old articles with their links, stories and digests, and takes their terms off the statistics', async () => {
    let now = T0 + DAY;
    const env = await testApp({ feeds: [{ url: server.url('/feed.xml') }], retention: { maxAge: '90d' } }, () => now);
    const store = env.app.db;
    const db = sqliteOf(env.app);
    const q = (sql: string, ...args: unknown[]) => db.prepare(sql).pluck().get(...args) as number;
    try {
      await env.app.pipeline.poll();
      expect(q('SELECT count(*) FROM stories')).toBe(1);
      const oldStory = q('SELECT id FROM stories');
      const sub = db.prepare("INSERT INTO subscriptions (platform, chat_id, topics, schedule, timezone, max_stories, created_at, updated_at) VALUES ('telegram', '7', '[]', 'off', 'UTC', 5, ?, ?)").run(now, now).lastInsertRowid;
      const digest = db.prepare("INSERT INTO digests (subscription_id, window_key, window_start, window_end, model, status, next_attempt_at, created_at) VALUES (?, 'a', 0, 0, '{}', 'sent', ?, ?)").run(sub, now, now).lastInsertRowid;
      db.prepare('INSERT INTO subscription_stories (subscription_id, story_id, source_count, digest_id) VALUES (?, ?, 3, ?)').run(sub, oldStory, digest);
      expect(q("SELECT df FROM term_df WHERE term LIKE 'zorblania%'")).toBe(3);

      // 100 days later, a new event arrives; the old one is past the 90-day retention.
      now = T0 + 100 * DAY;
      feed = reports('new', 'Quentaria', now - 3_600_000);
      await env.app.pipeline.poll();
      expect(q('SELECT count(*) FROM articles')).toBe(6);

      const report = await new Retention(store, 90 * DAY, () => now).prune();
      expect(report).toMatchObject({ articles: 3, stories: 1, digests: 1 });
      expect(q('SELECT count(*) FROM articles')).toBe(3);
      expect(q("SELECT count(*) FROM articles WHERE guid LIKE 'old-%'")).toBe(0);
      expect(q('SELECT count(*) FROM article_topics')).toBe(3 * env.app.config.topics.length);
      expect(q('SELECT count(*) FROM story_articles')).toBe(3);
      expect(q('SELECT count(*) FROM stories WHERE id = ?', oldStory)).toBe(0);
      expect(q('SELECT count(*) FROM subscription_stories')).toBe(0);
      expect(q('SELECT count(*) FROM digests')).toBe(0);
      // The statistics now describe the three articles kept, as if the old ones had never been.
      expect(q('SELECT docs FROM corpus_stats WHERE id = 1')).toBe(3);
      expect(q("SELECT count(*) FROM term_df WHERE term LIKE 'zorblania%'")).toBe(0);
      expect(q("SELECT df FROM term_df WHERE term LIKE 'quentaria%'")).toBe(3);
      expect(q('SELECT sum(docs) FROM topic_stats')).toBe(3);
      expect(q("SELECT count(*) FROM topic_term_df WHERE term LIKE 'zorblania%'")).toBe(0);

      // Nothing older is left: a second run prunes nothing.
      expect(await new Retention(store, 90 * DAY, () => now).prune()).toMatchObject({ articles: 0, stories: 0, digests: 0 });
    } finally {
      await env.cleanup();
    }
  });
});
