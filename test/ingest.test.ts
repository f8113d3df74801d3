import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from './helpers/cp1251.js';
import { FeedServer, atom, rdf, rss } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';
import { FeedRepo } from '../src/db/feeds.js';
import type { App } from '../src/app.js';

const ITEM = (n: number, extra: Partial<{ date: string; description: string }> = {}) => ({
  title: `Story ${n}`,
  link: `http://news.example/story-${n}`,
  guid: `g-${n}`,
  date: 'Fri, 22 Dec 2023 10:00:00 GMT',
  description: `Description of story ${n}`,
  ...extra,
});

function articles(app: App, feedUrl: string) {
  return sqliteOf(app)
    .prepare('SELECT a.* FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.url = ? ORDER BY a.id')
    .all(feedUrl) as { id: number; title: string; url: string; description: string; published_at: number; first_seen_at: number; content: string }[];
}

describe('feed ingestion over HTTP', () => {
  const server = new FeedServer();
  let now = Date.parse('2026-01-10T12:00:00Z');
  let env: Awaited<ReturnType<typeof testApp>>;
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    await server.start();
    urls.good = server.route('/good.xml', { body: rss('Good Feed', [ITEM(1), ITEM(2)]) });
    urls.atom = server.route('/atom.xml', { headers: { 'content-type': 'application/atom+xml' }, body: atom('Atom Feed', [{ ...ITEM(10), date: '2023-12-22T10:00:00Z' }]) });
    urls.rdf = server.route('/rdf.xml', { body: rdf('RDF Feed', [{ ...ITEM(20), date: '2023-12-22T10:00:00Z' }]) });
    urls.cp1251 = server.route('/cp1251.xml', {
      headers: { 'content-type': 'application/rss+xml' },
      body: iconv(rss('Новини', [{ ...ITEM(30), title: 'Японія передасть ракети Петріот США' }], 'windows-1251')),
    });
    urls.cp1251header = server.route('/cp1251-header.xml', {
      headers: { 'content-type': 'text/xml; charset=windows-1251' },
      body: iconv(rss('Новости', [{ ...ITEM(31), title: 'ПВО Украины' }]).replace('encoding="UTF-8"', '')),
    });
    urls.latin1 = server.route('/latin1.xml', {
      headers: { 'content-type': 'text/xml; charset=iso-8859-1' },
      body: Buffer.from(rss('Nachrichten', [{ ...ITEM(32), title: 'Luftabwehr für die Ukraine' }], 'ISO-8859-1'), 'latin1'),
    });
    urls.ampersand = server.route('/amp.xml', { body: rss('Amp', [ITEM(40)]).replace('Story 40', 'Story 40 Q&A with AT&T') });
    urls.html = server.route('/page.html', { headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>' });
    urls.missing = server.url('/missing.xml');
    urls.timeout = server.route('/slow.xml', { hang: true });
    urls.big = server.route('/big.xml', { body: rss('Big', [{ ...ITEM(50), description: 'x'.repeat(40_000) }]) });
    urls.loop = server.route('/loop-a', { status: 302, headers: { location: '/loop-b' } });
    server.route('/loop-b', { status: 302, headers: { location: '/loop-a' } });
    urls.redirected = server.route('/old-feed', { status: 301, headers: { location: '/good.xml' } });
    env = await testApp(
      {
        fetch: { timeout: 0.5, maxBytes: 20_000 },
        feeds: Object.values(urls).map((url) => ({ url })),
      },
      () => now,
    );
  });
  afterAll(async () => {
    await env?.cleanup();
    await server.stop();
  });

  it('polls every feed once, stores what parses, and records a precise error for each failure', async () => {
    const report = await env.app.pipeline.poll();
    const byUrl = Object.fromEntries(report.feeds.map((r) => [r.url, r]));
    const feeds = new FeedRepo(env.app.db);

    // Good feeds of every format landed, despite the broken ones polled in the same run.
    expect(articles(env.app, urls.good!).map((a) => a.title)).toEqual(['Story 1', 'Story 2']);
    expect(articles(env.app, urls.atom!).map((a) => a.title)).toEqual(['Story 10']);
    expect(articles(env.app, urls.rdf!).map((a) => a.title)).toEqual(['Story 20']);
    expect(articles(env.app, urls.cp1251!).map((a) => a.title)).toEqual(['Японія передасть ракети Петріот США']);
    expect(articles(env.app, urls.cp1251header!).map((a) => a.title)).toEqual(['ПВО Украины']);
    expect(articles(env.app, urls.latin1!).map((a) => a.title)).toEqual(['Luftabwehr für die Ukraine']);
    expect(articles(env.app, urls.ampersand!).map((a) => a.title)).toEqual(['Story 40 Q&A with AT&T']);
    expect(byUrl[urls.ampersand!]!.repaired).toBe(true);

    const error = async (url: string) => (await feeds.byUrl(url))!;
    expect(await error(urls.html!)).toMatchObject({ last_status: 'not-a-feed', last_error: 'not a feed: the server returned an HTML page', error_count: 1 });
    expect(await error(urls.missing!)).toMatchObject({ last_status: 'http', last_error: 'HTTP 404 Not Found' });
    expect(await error(urls.timeout!)).toMatchObject({ last_status: 'timeout', last_error: 'timed out after 500 ms' });
    expect(await error(urls.big!)).toMatchObject({ last_status: 'too-large' });
    expect((await error(urls.big!)).last_error).toMatch(/exceeds the 19.5 KB limit \(fetch.maxBytes\)/);
    expect(await error(urls.loop!)).toMatchObject({ last_status: 'redirects' });
    expect((await error(urls.loop!)).last_error).toMatch(/^redirect loop/);
    // A redirect within the limit is followed; its items are the same articles as the target's.
    expect(byUrl[urls.redirected!]!.status).toBe('ok');
    expect(report.failedFeeds).toBe(5);
    // Failing feeds are retried later, not dropped: the next poll is scheduled one interval on.
    expect((await error(urls.missing!)).next_poll_at).toBe(now + 15 * 60_000);
  });

  it('backs off exponentially on repeated failures, capped', async () => {
    const feeds = new FeedRepo(env.app.db);
    const feed = (await feeds.byUrl(urls.missing!))!;
    now += 60 * 60_000;
    await env.app.pipeline.poll([feed]);
    const after = (await feeds.byUrl(urls.missing!))!;
    expect(after.error_count).toBe(2);
    expect(after.next_poll_at).toBe(now + 30 * 60_000);
    // A feed that recovers resets its failure count.
    server.route('/missing.xml', { body: rss('Back', [ITEM(60)]) });
    await env.app.pipeline.poll([after]);
    expect(await feeds.byUrl(urls.missing!)).toMatchObject({ error_count: 0, last_status: 'ok', last_error: null });
  });

  it('is idempotent: the same items polled twice stay one article each', async () => {
    const before = sqliteOf(env.app).prepare('SELECT count(*) FROM articles').pluck().get();
    const report = await env.app.pipeline.poll((await new FeedRepo(env.app.db).list()).filter((f) => f.url === urls.good || f.url === urls.atom));
    expect(report.newArticles).toBe(0);
    expect(report.updatedArticles).toBe(0);
    expect(sqliteOf(env.app).prepare('SELECT count(*) FROM articles').pluck().get()).toBe(before);
  });
});

describe('conditional GET, edits, canonical URLs and dates', () => {
  const server = new FeedServer();
  let now = Date.parse('2026-01-10T12:00:00Z');
  let env: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    await server.start();
    env = await testApp({}, () => now);
  });
  afterAll(async () => {
    await env?.cleanup();
    await server.stop();
  });

  const addFeed = async (path: string) => (await new FeedRepo(env.app.db).add(server.url(path), 'user', now)).feed;

  it('sends the stored ETag and Last-Modified back and treats 304 as no change', async () => {
    const body = rss('Etag', [ITEM(1)]);
    server.route('/etag.xml', {
      handler: (req) =>
        req.headers['if-none-match'] === '"v1"'
          ? { status: 304 }
          : { headers: { etag: '"v1"', 'last-modified': 'Fri, 22 Dec 2023 10:00:00 GMT' }, body },
    });
    const feed = await addFeed('/etag.xml');
    const first = await env.app.pipeline.poll([feed]);
    expect(first.newArticles).toBe(1);
    const stored = (await new FeedRepo(env.app.db).byId(feed.id))!;
    expect(stored).toMatchObject({ etag: '"v1"', last_modified: 'Fri, 22 Dec 2023 10:00:00 GMT' });
    const second = await env.app.pipeline.poll([stored]);
    expect(second.feeds[0]!.status).toBe('not-modified');
    const last = server.requests.filter((r) => r.path === '/etag.xml').at(-1)!;
    expect(last.headers['if-none-match']).toBe('"v1"');
    expect(last.headers['if-modified-since']).toBe('Fri, 22 Dec 2023 10:00:00 GMT');
    expect(last.headers['user-agent']).toMatch(/^news-digest\//);
    expect((await new FeedRepo(env.app.db).byId(feed.id))!.last_status).toBe('not-modified');
  });

  it('updates an item edited between polls instead of duplicating it', async () => {
    server.route('/edit.xml', { body: rss('Edit', [{ ...ITEM(7), title: 'Japan to send Patriot missiles' }]) });
    const feed = await addFeed('/edit.xml');
    await env.app.pipeline.poll([feed]);
    server.route('/edit.xml', { body: rss('Edit', [{ ...ITEM(7), title: 'Japan to send Patriot missiles to the US', description: 'Updated text' }]) });
    const report = await env.app.pipeline.poll([(await new FeedRepo(env.app.db).byId(feed.id))!]);
    expect(report.updatedArticles).toBe(1);
    expect(report.newArticles).toBe(0);
    const rows = articles(env.app, server.url('/edit.xml'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ title: 'Japan to send Patriot missiles to the US', description: 'Updated text' });
  });

  it('treats the same story URL with and without utm_ parameters as one article', async () => {
    server.route('/utm-a.xml', { body: rss('A', [{ title: 'Same story', link: 'https://News.Example/world/patriot/?utm_source=rss&utm_medium=feed&id=5#top' }]) });
    server.route('/utm-b.xml', { body: rss('B', [{ title: 'Same story', link: 'https://news.example/world/patriot?id=5&fbclid=abc' }]) });
    const report = await env.app.pipeline.poll([await addFeed('/utm-a.xml'), await addFeed('/utm-b.xml')]);
    expect(report.newArticles).toBe(1);
    const row = sqliteOf(env.app).prepare("SELECT url FROM articles WHERE title = 'Same story'").all();
    expect(row).toEqual([{ url: 'https://news.example/world/patriot?id=5' }]);
  });

  it('uses the first-seen time when pubDate is missing or in the future', async () => {
    server.route('/dates.xml', {
      body: rss('Dates', [
        { title: 'No date', link: 'http://d.example/1', guid: 'd1' },
        { title: 'Future date', link: 'http://d.example/2', guid: 'd2', date: 'Mon, 01 Jan 2035 00:00:00 GMT' },
        { title: 'Good date', link: 'http://d.example/3', guid: 'd3', date: 'Fri, 22 Dec 2023 10:00:00 GMT' },
      ]),
    });
    await env.app.pipeline.poll([await addFeed('/dates.xml')]);
    const rows = articles(env.app, server.url('/dates.xml'));
    expect(rows.map((r) => [r.title, r.published_at])).toEqual([
      ['No date', now],
      ['Future date', now],
      ['Good date', Date.parse('2023-12-22T10:00:00Z')],
    ]);
  });

  it('turns HTML titles and descriptions into plain text', async () => {
    server.route('/html.xml', {
      body: rss('HTML', [{ title: 'Patriot &amp; NASAMS', link: 'http://h.example/1', description: '<p>First&nbsp;para &mdash; <b>bold</b></p><script>x()</script><p>Second   para</p>' }]),
    });
    await env.app.pipeline.poll([await addFeed('/html.xml')]);
    const [row] = articles(env.app, server.url('/html.xml'));
    expect(row!.title).toBe('Patriot & NASAMS');
    expect(row!.description).toBe('First para — bold Second para');
  });

  it('never polls the same feed twice at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server.route('/once.xml', { wait: gate, body: rss('Once', [ITEM(90)]) });
    const feed = await addFeed('/once.xml');
    const first = env.app.poller.pollOne(feed);
    const second = await env.app.poller.pollOne(feed);
    expect(second.status).toBe('skipped');
    release();
    expect((await first).status).toBe('ok');
    expect(server.hits('/once.xml')).toBe(1);
  });
});
