import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer } from './helpers/feed-server.js';
import { sqliteOf, testApp } from './helpers/app.js';

describe('relative links', () => {
  const server = new FeedServer();
  beforeAll(async () => {
    await server.start();
    const body = `<?xml version="1.0"?><rss version="2.0"><channel><title>Rel</title>
      <item><title>Relative link item</title><link>story/1.html</link><guid isPermaLink="false">r1</guid></item></channel></rss>`;
    server.route('/feeds/located.xml', { headers: { 'content-location': 'https://news.example/world/index.xml' }, body });
    server.route('/feeds/plain.xml', { body });
  });
  afterAll(() => server.stop());

  it('resolve against Content-Location when the response gives one, else against the feed URL', async () => {
    const env = await testApp({ feeds: [{ url: server.url('/feeds/located.xml') }, { url: server.url('/feeds/plain.xml') }] });
    try {
      await env.app.pipeline.poll();
      const links = sqliteOf(env.app).prepare('SELECT link FROM articles ORDER BY link').pluck().all();
      expect(links).toEqual([server.url('/feeds/story/1.html'), 'https://news.example/world/story/1.html'].sort());
    } finally {
      await env.cleanup();
    }
  });
});
