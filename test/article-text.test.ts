import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer, rss } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';

const PAGE = `<!DOCTYPE html><html><head><title>Sweden sends air defence to Ukraine</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/war">War</a></nav>
<div class="newsletter">Subscribe to our newsletter</div>
<article><h1>Sweden sends air defence to Ukraine</h1>
<p>Sweden will send a new air defence package to Ukraine worth 2.6 billion kronor, the defence minister said on Tuesday, including radar systems and missiles for short-range defence of cities.</p>
<p>The package follows a series of large Russian missile and drone attacks on Ukrainian cities and power plants, which have strained Kyiv's stocks of interceptors over the autumn.</p>
<p>Read also: Denmark orders more artillery</p>
<p>The minister said deliveries would start within weeks and that Swedish instructors would train Ukrainian crews at a base in southern Sweden before the end of the year.</p>
</article><footer>© 2026 Example News. All rights reserved.</footer></body></html>`;

describe('article page text for thin feed items', () => {
  const server = new FeedServer();
  let env: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    await server.start();
    server.route('/page.html', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: PAGE });
    server.route('/feed.xml', {
      body: rss('Nordic Desk', [
        { title: 'Sweden sends air defence to Ukraine', link: server.url('/page.html'), guid: 'n1', date: 'Tue, 03 Mar 2026 10:00:00 GMT', description: 'Package worth 2.6 billion kronor.' },
        { title: 'Russian missiles target Kharkiv power plant', link: server.url('/gone.html'), guid: 'n2', date: 'Tue, 03 Mar 2026 11:00:00 GMT', description: 'Air defense shot down most.' },
        { title: 'Local football club wins cup', link: server.url('/sport.html'), guid: 'n3', date: 'Tue, 03 Mar 2026 12:00:00 GMT', description: 'A short item.' },
      ]),
    });
    // The page server is on loopback: allowed by name, as an operator would allow an internal host.
    env = await testApp({ articles: { fetchPages: true, minTextChars: 400 }, fetch: { allowHosts: [`127.0.0.1:${server.port}`] }, feeds: [{ url: server.url('/feed.xml') }] });
  });
  afterAll(async () => {
    await env?.cleanup();
    await server.stop();
  });

  it('fetches the page of a relevant thin article once, keeps its main text, and keeps the feed text when the page fails', async () => {
    const report = await env.app.pipeline.poll();
    expect(report.pagesFetched).toBe(1);
    const rows = sqliteOf(env.app).prepare('SELECT title, page_text, page_error FROM articles ORDER BY id').all() as { title: string; page_text: string | null; page_error: string | null }[];
    expect(rows[0]!.page_text).toMatch(/^Sweden will send a new air defence package/);
    expect(rows[0]!.page_text).toMatch(/Swedish instructors would train Ukrainian crews/);
    expect(rows[0]!.page_text).not.toMatch(/Subscribe|Read also|All rights reserved|Home/);
    expect(rows[1]!.page_text).toBeNull();
    expect(rows[1]!.page_error).toBe('HTTP 404 Not Found');
    // Off-topic articles are never fetched.
    expect(server.hits('/sport.html')).toBe(0);
    expect(rows[2]!.page_error).toBeNull();
    await env.app.pipeline.poll();
    expect(server.hits('/page.html')).toBe(1);
    expect(server.hits('/gone.html')).toBe(1);
  });
});
