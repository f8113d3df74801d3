import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../src/ingest/charset.js';
import { FeedError } from '../src/ingest/errors.js';
import { normaliseItem, normaliseItemResult } from '../src/ingest/normalise.js';
import { parseFeed, type ParsedFeed } from '../src/ingest/parse.js';

const dir = path.join(import.meta.dirname, 'fixtures', 'feeds');
const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const NOW = Date.parse('2026-01-10T12:00:00Z');
const FEED_URL = 'https://feeds.example/path/feed.xml';

async function read(name: string, baseUrl?: string) {
  const { feed, repaired } = await parseFeed(fixture(name), baseUrl ? { baseUrl } : {});
  return { feed, repaired, stored: stored(feed) };
}

function stored(feed: ParsedFeed, feedUrl = FEED_URL) {
  return feed.items.map((i) => normaliseItem(i, feedUrl, NOW)).filter((n) => n !== null);
}

describe('a parse per response: nothing shared, no root element refused at once', () => {
  it.each(['bare-prolog.xml', 'prolog-comment.xml'])('%s is a FeedError at once, also after a successful parse', async (name) => {
    await parseFeed(fixture('rss-no-version.xml'));
    await expect(parseFeed(fixture(name))).rejects.toThrow(FeedError);
    await expect(parseFeed(fixture(name))).rejects.toThrow(/no root element/);
  });

  it('feeds parsed at the same time, with rootless documents among them, each get their own result', async () => {
    const names = ['rss-no-version.xml', 'bare-prolog.xml', 'atom-prefixed.xml', 'prolog-comment.xml', 'rdf-prefixed-about.xml'];
    const results = await Promise.allSettled([...names, ...names.reverse()].map((n) => parseFeed(fixture(n))));
    const titles = results.map((r) => (r.status === 'fulfilled' ? r.value.feed.title : 'error'));
    expect(titles).toEqual(['No version', 'error', 'Prefixed Atom', 'error', 'Prefixed RDF', 'Prefixed RDF', 'error', 'Prefixed Atom', 'error', 'No version']);
  });
});

describe('one bad element never loses the feed', () => {
  it('Atom xhtml and html titles are flattened to text; xhtml content keeps its paragraphs', async () => {
    const { feed, stored: items } = await read('atom-xhtml-title.xml');
    expect(feed.title).toBe('The Front Page');
    expect(items.map((i) => i.title)).toEqual(['Hello world', 'Markup escaped title']);
    expect(items[1]!.content).toBe('First paragraph.\nSecond one.');
  });

  it('a feed title with attributes and markup is a string; markup in an item title is flattened; an empty guid is no guid', async () => {
    const { feed, stored: items } = await read('rss-title-markup.xml');
    expect(feed.title).toBe('Object Title');
    expect(items.map((i) => [i.title, i.guid])).toEqual([['Hello world', null], ['Plain', 'r-2']]);
  });

  it('an Atom id with attributes is its text; a bad date is no date, a sloppy one is read', async () => {
    const { stored: items } = await read('atom-id-attrs-bad-date.xml');
    expect(items.map((i) => i.guid)).toEqual(['tag:news.example,2024:1', 'tag:news.example,2024:2', 'tag:news.example,2024:3']);
    expect(items.map((i) => i.publishedAt)).toEqual([Date.parse('2024-01-02T12:35:09Z'), null, Date.parse('2024-01-03T07:00:00Z')]);
  });

  it('normaliseItem reads fields of any shape and never throws: an unreadable item is a reason', () => {
    const odd = { title: { _: 'Object title', $: { type: 'text' } }, link: ['https://news.example/x/1'], guid: { $: { isPermaLink: 'false' } }, pubDate: '12:35:9' } as never;
    expect(normaliseItem(odd, FEED_URL, NOW)).toMatchObject({ title: 'Object title', link: 'https://news.example/x/1', guid: null, publishedAt: null });
    expect(normaliseItemResult({ title: 'no link' }, FEED_URL, NOW)).toEqual({ skipped: 'no link' });
    const hostile = { get link(): string { throw new TypeError('boom'); } };
    expect(normaliseItemResult(hostile as never, FEED_URL, NOW)).toEqual({ skipped: 'unreadable item: boom' });
  });
});

describe('what feedparser reads', () => {
  it.each([
    ['rss-no-version.xml', 'RSS', ['https://news.example/nv/1', 'https://news.example/nv/2']],
    ['rss-no-channel.xml', 'RSS 2.0', ['https://news.example/nc/1']],
    ['atom-prefixed.xml', 'Atom 1.0', ['https://news.example/p/1']],
    ['rdf-prefixed-about.xml', 'RSS 1.0', ['https://news.example/rdf/1', 'https://news.example/rdf/2-link']],
    ['atom-in-xhtml.xml', 'Atom 1.0', ['https://news.example/w/1']],
    ['rss-a10-link-href.xml', 'RSS 2.0', ['https://news.example/n/1', 'https://news.example/n/2']],
    ['atom03-link-text.xml', 'Atom 0.3', ['https://news.example/o/1']],
    ['atom-link-rels.xml', 'Atom 1.0', ['https://news.example/r1']],
    ['xml-base.xml', 'Atom 1.0', ['https://base.example/blog/2024/post-1.html', 'https://base.example/about/post-2']],
  ])('%s: %s, links %j', async (name, format, links) => {
    const { feed, stored: items } = await read(name);
    expect(feed.format).toBe(format);
    expect(items.map((i) => i.link)).toEqual(links);
  });

  it('an RDF item by rdf:about keeps its dc:date; an Atom 0.3 issued date is read', async () => {
    expect((await read('rdf-prefixed-about.xml')).stored[0]!.publishedAt).toBe(Date.parse('2024-01-02T10:00:00Z'));
    expect((await read('atom03-link-text.xml')).stored[0]!.publishedAt).toBe(Date.parse('2004-02-29T02:14:55Z'));
  });

  it("relative links resolve against the response's base URL (Content-Location) when given, else the feed URL", async () => {
    expect((await read('content-location.xml', 'https://cdn.example/news/rss')).stored.map((i) => i.link)).toEqual(['https://cdn.example/news/stories/1.html']);
    expect((await read('content-location.xml')).stored.map((i) => i.link)).toEqual(['https://feeds.example/path/stories/1.html']);
  });

  it('ill-formed XML is read by the lenient pass: stray &, unquoted attribute, invalid character reference, HTML entities, sloppy date', async () => {
    const { feed, repaired, stored: items } = await read('illformed.xml');
    expect(repaired).toBe(true);
    expect(feed.title).toBe('Broken & recovered');
    expect(items.map((i) => [i.title, i.link])).toEqual([
      ['Invalid char ref here', 'https://news.example/i/1?a=1&b=2'],
      ['Unquoted attribute', 'https://news.example/i/2'],
      ['HTML entity and—dash', 'https://news.example/i/3'],
    ]);
    expect(items[0]!.publishedAt).toBe(Date.parse('2024-01-02T12:35:09Z'));
    expect(items[1]!.guid).toBe('i-2');
  });

  it('an HTML page is still "not a feed"', async () => {
    await expect(parseFeed('<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>')).rejects.toThrow(/HTML page/);
  });
});

describe('charset sniffing', () => {
  const rss = (title: string, encoding?: string) => `<?xml version="1.0"${encoding ? ` encoding="${encoding}"` : ''}?><rss version="2.0"><channel><title>${title}</title><item><title>${title}</title><link>https://news.example/c/1</link></item></channel></rss>`;
  const titleOf = async (bytes: Uint8Array, contentType?: string) => (await parseFeed(decodeBody(bytes, contentType).text)).feed.title;

  it('Latin-1 with no declared charset is read as windows-1252, not U+FFFD', async () => {
    expect(await titleOf(Buffer.from(rss('Luftabwehr für die Ukraine'), 'latin1'))).toBe('Luftabwehr für die Ukraine');
    // windows-1252 curly quotes (0x93, 0x94) and dash (0x97), served as text/xml with no charset.
    const cp1252 = Buffer.from(rss('Cañón \x97 \x93quoted\x94'), 'latin1');
    expect(await titleOf(cp1252, 'text/xml')).toBe('Cañón — “quoted”');
  });

  it('UTF-8 declared as ISO-8859-1 (header or prolog) is read as UTF-8', async () => {
    expect(await titleOf(Buffer.from(rss('veröffentlicht', 'ISO-8859-1')))).toBe('veröffentlicht');
    expect(await titleOf(Buffer.from(rss('veröffentlicht')), 'application/rss+xml; charset=iso-8859-1')).toBe('veröffentlicht');
  });

  it('real ISO-8859-1 and windows-1251 stay as declared', async () => {
    expect(await titleOf(Buffer.from(rss('veröffentlicht', 'ISO-8859-1'), 'latin1'))).toBe('veröffentlicht');
    const cyrillic = Buffer.from([...rss('XX', 'windows-1251')].map((c) => c.charCodeAt(0)));
    const at = cyrillic.indexOf('XX');
    cyrillic.set([0xcf, 0xc2], at); // "ПВ" in windows-1251
    cyrillic.set([0xcf, 0xc2], cyrillic.indexOf('XX'));
    expect(await titleOf(cyrillic)).toBe('ПВ');
  });

  it('UTF-16 and UTF-32 without a byte-order mark are recognised from their first bytes', async () => {
    expect(await titleOf(Buffer.from(rss('Ünïcode'), 'utf16le'))).toBe('Ünïcode');
    const text = rss('Ünïcode 32');
    const b = Buffer.alloc(text.length * 4);
    [...text].forEach((c, i) => b.writeUInt32BE(c.codePointAt(0)!, i * 4));
    expect(await titleOf(b)).toBe('Ünïcode 32');
  });
});
