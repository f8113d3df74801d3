import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { FeedServer, atom, rss } from './helpers/feed-server.js';
import { ROOT, tempDir, writeConfig } from './helpers/app.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ title: `Item ${i}`, link: `https://news.example/${i}`, guid: `g${i}` }));
const html = (head: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>News site</title>${head}</head><body><p>Hello</p></body></html>`;
const HTML = { 'content-type': 'text/html; charset=utf-8' };

describe('feeds add checks the URL once and says what it found', () => {
  const server = new FeedServer();
  const tmp = tempDir();
  let config = '';
  let db = '';
  beforeAll(async () => {
    await server.start();
    server.route('/rss.xml', { body: rss('Desk News', items(25)) });
    server.route('/atom.xml', { body: atom('Atom Desk', items(2)) });
    server.route('/page.html', { headers: HTML, body: html('<link rel="stylesheet" href="/s.css"><link rel="alternate" type="application/rss+xml" title="All news" href="/rss.xml?from=page&amp;x=1">') });
    server.route('/rss.xml?from=page&x=1', { body: rss('Desk News', items(25)) });
    server.route('/two.html', { headers: HTML, body: html('<base href="/feeds/"><link rel="alternate" type="application/atom+xml" href="atom.xml"><link rel="alternate" type="application/rss+xml" href="http://elsewhere.invalid/rss">') });
    server.route('/feeds/atom.xml', { body: atom('Atom Desk', items(2)) });
    server.route('/plain.html', { headers: HTML, body: html('<link rel="icon" href="/favicon.ico">') });
    config = writeConfig(tmp.dir, {});
    db = path.join(tmp.dir, 'feeds.db');
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
  const stored = async () => JSON.parse((await cli('feeds', 'list', '--json')).out).map((f: { url: string }) => f.url) as string[];

  it('an RSS URL: its format and items, added', async () => {
    const r = await cli('feeds', 'add', server.url('/rss.xml'));
    expect(r).toEqual({ code: 0, out: `added ${server.url('/rss.xml')}: RSS 2.0 "Desk News", 25 items`, err: '' });
    expect(await cli('feeds', 'add', server.url('/rss.xml'))).toMatchObject({ code: 0, out: `already present: ${server.url('/rss.xml')}` });
    expect(await cli('feeds', 'add', server.url('/atom.xml'))).toMatchObject({ code: 0, out: `added ${server.url('/atom.xml')}: Atom 1.0 "Atom Desk", 2 items` });
  });

  it('an HTML page with one alternate link: the linked feed is checked and added', async () => {
    const r = await cli('feeds', 'add', server.url('/page.html'));
    const feed = server.url('/rss.xml?from=page&x=1');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${server.url('/page.html')} is an HTML page; it links this feed: ${feed} (RSS, "All news")\nadded ${feed}: RSS 2.0 "Desk News", 25 items`);
    expect(await stored()).toContain(feed);
    expect(await stored()).not.toContain(server.url('/page.html'));
  });

  it('an HTML page with several: the first is added, the others listed', async () => {
    const r = await cli('feeds', 'add', server.url('/two.html'));
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      `${server.url('/two.html')} is an HTML page; it links these feeds: ${server.url('/feeds/atom.xml')} (Atom), http://elsewhere.invalid/rss (RSS)`,
      `added ${server.url('/feeds/atom.xml')}: Atom 1.0 "Atom Desk", 2 items`,
      'not added (add them with feeds add URL if wanted): http://elsewhere.invalid/rss',
    ]);
  });

  it('an HTML page with none: refused with exit code 2, nothing added; --force adds it anyway', async () => {
    const before = await stored();
    const r = await cli('feeds', 'add', server.url('/plain.html'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `error: feeds add: ${server.url('/plain.html')}: it is an HTML page that links no feed (no <link rel="alternate" type="application/rss+xml"> or atom+xml); expected an RSS, Atom or RDF feed, or an HTML page that links one. Nothing added (--force adds it anyway)\n`,
    );
    expect(await stored()).toEqual(before);
    const forced = await cli('feeds', 'add', server.url('/plain.html'), '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/^added .*\/plain\.html anyway \(--force\), although it is an HTML page that links no feed/);
    expect(await stored()).toEqual([...before, server.url('/plain.html')]);
  });

  it('a 404: the URL and what was expected, exit code 2, nothing added', async () => {
    const before = await stored();
    const r = await cli('feeds', 'add', server.url('/missing.xml'));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: feeds add: ${server.url('/missing.xml')}: the server answered HTTP 404 Not Found; expected an RSS, Atom or RDF feed, or an HTML page that links one. Nothing added (--force adds it anyway)\n`);
    expect(await stored()).toEqual(before);
  });

  it('file: URLs (the demo) still work', async () => {
    const r = await cli('feeds', 'add', `file:${path.relative(process.cwd(), path.join(ROOT, 'config/demo-feeds/world-desk.xml'))}`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^added file:\/\/\/.*world-desk\.xml: RSS 2\.0 "World Desk", \d+ items$/);
  });
});
