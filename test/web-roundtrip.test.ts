import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../src/worker.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/logger.js';
import { StoryRepo } from '../src/db/stories.js';
import { FeedRepo } from '../src/db/feeds.js';
import { parseFeed } from '../src/ingest/parse.js';
import { sourceName } from '../src/ingest/source-name.js';
import { htmlToText } from '../src/ingest/text.js';
import { sqliteOf, tempDir, writeConfig } from './helpers/app.js';
import { SEEDED_NOW, seededSite, type SeededSite } from './helpers/web-seed.js';

const TOPIC = 'patriot-ukraine';

/**
 * The feeds served by a real worker are read back by the project's own ingestion (fetch with
 * conditional GET, parse, normalise, store, topics, stories) into a second database.
 */
describe('the web feeds round-trip through our own ingestion', () => {
  let site: SeededSite;
  let worker: Worker;
  const copies: { app: App; cleanup(): Promise<void> }[] = [];
  let base: string;
  beforeAll(async () => {
    site = await seededSite();
    worker = await startWorker(site.app, { port: 0, host: '127.0.0.1', web: {}, digestTick: '0 0 0 1 1 *' });
    base = `http://127.0.0.1:${worker.port}`;
  });
  afterAll(async () => {
    await worker.stop();
    for (const c of copies) await c.cleanup();
    await site.cleanup();
  });

  /** A second database whose one feed is the worker's feed at `path`. */
  async function copyOf(path: string): Promise<App> {
    const { dir, cleanup } = tempDir('nd-web-copy-');
    const config = writeConfig(dir, { feeds: [{ url: `${base}${path}`, title: 'news-digest' }] });
    const app = await createApp(loadConfig(config, {}), silentLogger, { clock: () => SEEDED_NOW });
    copies.push({
      app,
      cleanup: async () => {
        await app.close();
        cleanup();
      },
    });
    return app;
  }

  /** Polls the copy: every story arrives as one article and is grouped again into the same stories; a re-poll gets a 304. */
  async function roundTrip(path: string): Promise<void> {
    const copy = await copyOf(path);
    const stories = await new StoryRepo(site.app.db).list({ topicId: TOPIC });
    expect(stories.length).toBe(8);
    const report = await copy.pipeline.poll();
    expect(report.failedFeeds).toBe(0);
    expect(report.newArticles).toBe(stories.length);
    const articles = sqliteOf(copy).prepare('SELECT url, title, published_at AS publishedAt, description FROM articles ORDER BY url').all() as { url: string; title: string; publishedAt: number; description: string }[];
    // Ingest removes markup from every title and text, so the injected headline arrives as its words.
    expect(articles).toEqual(
      stories
        .map((s) => ({ url: `${base}/stories/${s.id}`, title: htmlToText(s.title), publishedAt: s.first_published, description: htmlToText(s.summary) }))
        .sort((a, b) => (a.url < b.url ? -1 : 1)),
    );
    // Each article is about the topic and is an event of its own: the second database holds the same stories.
    expect(report.relevantArticles).toBe(stories.length);
    const copied = await new StoryRepo(copy.db).list({ topicId: TOPIC });
    expect(copied.map((s) => s.title).sort()).toEqual(stories.map((s) => htmlToText(s.title)).sort());

    const again = await copy.pipeline.poll(await new FeedRepo(copy.db).list());
    expect(again.newArticles).toBe(0);
    expect((await new FeedRepo(copy.db).list())[0]!.last_status).toBe('not-modified');
  }

  it('Atom: every story arrives as one article, grouped again into the same stories; the re-poll gets a 304', async () => {
    await roundTrip(`/topics/${TOPIC}.atom`);
  });

  it('JSON Feed: the same through our reader, and each entry lists the story’s outlets', async () => {
    await roundTrip(`/topics/${TOPIC}.json`);
    const res = await fetch(`${base}/topics/${TOPIC}.json`);
    const text = await res.text();
    expect((await parseFeed(text)).feed.format).toBe('JSON Feed 1.1');
    const feed = JSON.parse(text) as { items: { id: string; url: string; title: string; summary?: string; date_published: string; date_modified: string; _news_digest: { sources: { name: string; url: string }[] } }[] };
    const repo = new StoryRepo(site.app.db);
    const stories = await repo.list({ topicId: TOPIC });
    expect(feed.items).toHaveLength(stories.length);
    for (const s of stories) {
      const item = feed.items.find((i) => i.id === `urn:news-digest:${TOPIC}:story:${s.id}`)!;
      expect(item).toMatchObject({ url: `${base}/stories/${s.id}`, title: s.title, date_published: new Date(s.first_published).toISOString() });
      expect(item.summary ?? '').toBe(s.summary);
      const outlets = new Set((await repo.members(s.id)).map((m) => sourceName(m.source ?? m.feed_title, m.url)));
      expect(new Set(item._news_digest.sources.map((o) => o.name))).toEqual(outlets);
    }
  });
});
