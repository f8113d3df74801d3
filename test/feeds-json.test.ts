import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { Store } from '../src/db/store.js';
import { ArticleRepo } from '../src/db/articles.js';
import { FeedRepo } from '../src/db/feeds.js';
import { parseFeedSync } from '../src/ingest/parse.js';
import { FeedServer, rss } from './helpers/feed-server.js';
import { tempDir, writeConfig } from './helpers/app.js';

const JSON_TYPE = { 'content-type': 'application/feed+json' };

const v11 = JSON.stringify({
  version: 'https://jsonfeed.org/version/1.1',
  title: 'Json Desk',
  home_page_url: 'https://json.example/',
  items: [
    { id: 'j1', url: 'https://json.example/a', title: 'Germany & Spain pledge Patriot systems to Ukraine', content_html: '<p>Berlin will send <b>one more</b> battery.</p>', date_published: '2026-03-02T09:10:00Z', authors: [{ name: 'A. Writer' }] },
    { id: 'j2', url: '/b', title: 'Relative link', content_text: 'Plain text with a < sign & more', summary: 'A summary', date_modified: '2026-03-03T10:00:00+02:00' },
    { id: 'j3', title: 'No url, an id only' },
    'not an item',
    { title: 'Neither id nor url' },
  ],
});
const v10 = JSON.stringify({
  version: 'https://jsonfeed.org/version/1',
  title: 'Old Json',
  items: [{ id: 'https://old.example/1', title: 'Version one item', content_text: 'Body', date_published: 'not a date', author: { name: 'Old Author' } }],
});

describe('JSON Feed 1.0 and 1.1', () => {
  it('reads items as the RSS and Atom reader does, and skips what it cannot read with the reason', () => {
    const { feed } = parseFeedSync(v11, { baseUrl: 'https://json.example/feed.json' });
    expect(feed.format).toBe('JSON Feed 1.1');
    expect(feed.title).toBe('Json Desk');
    expect(feed.items.map((i) => i.guid)).toEqual(['j1', 'j2', 'j3']);
    expect(feed.items[0]).toMatchObject({ link: 'https://json.example/a', isoDate: '2026-03-02T09:10:00.000Z', author: 'A. Writer' });
    expect(feed.items[1]).toMatchObject({ link: '/b', isoDate: '2026-03-03T08:00:00.000Z' });
    expect(feed.skipped.map((s) => s.reason)).toEqual(['unreadable item: item 4 is not an object', 'unreadable item: item 5 has neither "id" nor "url"']);
    const old = parseFeedSync(v10).feed;
    expect(old.format).toBe('JSON Feed 1.0');
    expect(old.items[0]).toMatchObject({ guid: 'https://old.example/1', author: 'Old Author' });
    expect(old.items[0]!.isoDate).toBeUndefined();
  });

  it('refuses JSON that is not a feed, or not JSON, with what was expected', () => {
    expect(() => parseFeedSync('{"title": "x", "items": []}')).toThrow('not a feed: JSON without a jsonfeed.org version');
    expect(() => parseFeedSync('{"version": "https://jsonfeed.org/version/1.1", "items": [')).toThrow(/not a feed: invalid JSON/);
    expect(() => parseFeedSync('{"version": "https://jsonfeed.org/version/1.1"}')).toThrow('JSON Feed without an "items" array');
  });

  describe('through the CLI, over HTTP', () => {
    const server = new FeedServer();
    const tmp = tempDir();
    let config = '';
    let db = '';
    beforeAll(async () => {
      await server.start();
      server.route('/feed.json', { headers: JSON_TYPE, body: v11 });
      server.route('/old.json', { headers: JSON_TYPE, body: v10 });
      server.route('/broken.json', { headers: JSON_TYPE, body: '{"version": "https://jsonfeed.org/version/1.1", "items": [' });
      server.route('/rss.xml', { body: rss('Rss Desk', [{ title: 'An RSS item', link: 'https://rss.example/1', guid: 'r1' }]) });
      server.route('/page.html', { headers: { 'content-type': 'text/html' }, body: `<!DOCTYPE html><html><head><link rel="alternate" type="application/feed+json" title="JSON" href="/feed.json"></head><body></body></html>` });
      db = path.join(tmp.dir, 'json.db');
      config = writeConfig(tmp.dir, { database: db, feeds: [{ url: server.url('/feed.json') }, { url: server.url('/old.json') }, { url: server.url('/broken.json') }, { url: server.url('/rss.xml') }] });
    });
    afterAll(async () => {
      tmp.cleanup();
      await server.stop();
    });

    async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
      const lines: string[] = [];
      const errs: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (errs.push(String(chunk)), true));
      try {
        const code = await runCli([...args, '--config', config, '--db', db], (l) => lines.push(l));
        return { code, out: lines.join('\n'), err: errs.join('') };
      } finally {
        spy.mockRestore();
      }
    }

    it('a poll stores the JSON feeds’ items; the broken one fails alone with a precise message', async () => {
      const r = await cli('poll');
      expect(r.out + r.err).toContain('invalid JSON');
      const conn = Store.openSqlite(db);
      try {
        const feeds = new FeedRepo(conn);
        const articles = new ArticleRepo(conn);
        const a = (await articles.byUrl('https://json.example/a'))!;
        expect(a).toMatchObject({ title: 'Germany & Spain pledge Patriot systems to Ukraine', guid: 'j1', author: 'A. Writer', published_at: Date.parse('2026-03-02T09:10:00Z') });
        expect(a.content).toContain('Berlin will send one more battery.');
        const b = (await articles.byUrl(`${server.url('/b')}`))!;
        expect(b).toMatchObject({ guid: 'j2', description: 'A summary' });
        expect(b.content).toBe('Plain text with a < sign & more');
        expect(await articles.byUrl('https://old.example/1')).toMatchObject({ title: 'Version one item', author: 'Old Author' });
        expect(await articles.byUrl('https://rss.example/1')).toBeDefined();
        expect(await feeds.byUrl(server.url('/feed.json'))).toMatchObject({ title: 'Json Desk', last_error: null });
        expect((await feeds.byUrl(server.url('/broken.json')))!.last_error).toMatch(/invalid JSON/);
      } finally {
        await conn.close();
      }
    });

    it('feeds add takes a JSON Feed URL, and finds one linked from a page', async () => {
      expect(await cli('feeds', 'add', server.url('/feed.json'))).toMatchObject({ code: 0 });
      const page = await cli('feeds', 'add', server.url('/page.html'));
      expect(page.code).toBe(0);
      expect(page.out).toContain(`it links this feed: ${server.url('/feed.json')} (JSON Feed, "JSON")`);
    });
  });
});
