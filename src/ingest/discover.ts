import { decodeHTML } from 'entities';
import { decodeBody } from './charset.js';
import { FeedError } from './errors.js';
import { FEED_ACCEPT, fetchResource, type FetchLimits, type FetchPolicy } from './fetch.js';
import { parseFeed } from './parse.js';

/** A feed an HTML page names in `<link rel="alternate" type="application/rss+xml" href=…>`. */
export interface LinkedFeed {
  url: string;
  /** 'RSS', 'Atom' or 'RDF', from the link's type. */
  type: string;
  title: string | null;
}

/** What a URL turned out to be when it was checked once. */
export type Inspection =
  | { kind: 'feed'; url: string; format: string; title: string | null; items: number; repaired: boolean }
  | { kind: 'html'; url: string; feeds: LinkedFeed[] };

/**
 * Fetches a URL once and says what it is: a feed (its format, title and item count, as the poller
 * would read it) or an HTML page with the feeds it links. Throws a FeedError when it is neither
 * (HTTP error, not a feed, invalid XML…) or when fetch and parse together take longer than
 * `deadlineMs` (the poller's whole-feed deadline).
 */
export async function inspectUrl(url: string, limits: FetchLimits, options: { policy?: FetchPolicy; deadlineMs: number }): Promise<Inspection> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new FeedError('timeout', `no answer within ${(options.deadlineMs / 1000).toFixed(1)} s (fetch and parse)`));
    }, options.deadlineMs);
  });
  const work = inspect(url, limits, options.policy, abort.signal);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function inspect(url: string, limits: FetchLimits, policy: FetchPolicy | undefined, signal: AbortSignal): Promise<Inspection> {
  const res = await fetchResource(url, limits, {}, FEED_ACCEPT, policy, signal);
  if (res.status === 'not-modified') throw new FeedError('http', 'HTTP 304 Not Modified to a request without validators');
  const { text } = decodeBody(res.bytes, res.contentType);
  if (looksLikeHtml(text)) {
    const feeds = linkedFeeds(text, res.url);
    if (feeds.length) return { kind: 'html', url: res.url, feeds };
    // An HTML page linking no feed: an Atom feed wrapped in XHTML may still be read as a feed.
    try {
      return describeFeed(res.url, text, await parseFeed(text));
    } catch {
      return { kind: 'html', url: res.url, feeds: [] };
    }
  }
  return describeFeed(res.url, text, await parseFeed(text));
}

function describeFeed(url: string, text: string, parsed: Awaited<ReturnType<typeof parseFeed>>): Inspection {
  const { feed, repaired } = parsed;
  const format = (feed as { format?: unknown }).format;
  const title = typeof feed.title === 'string' ? feed.title.trim() || null : null;
  return { kind: 'feed', url, format: typeof format === 'string' && format ? format : sniffFormat(text), title, items: Array.isArray(feed.items) ? feed.items.length : 0, repaired };
}

/** The format named by the root element, for a parser that does not name it. */
export function sniffFormat(text: string): string {
  const head = text.slice(0, 4096);
  const rss = /<(?:[\w-]+:)?rss\b[^>]*?\bversion\s*=\s*["']([^"']+)["']/i.exec(head);
  if (rss) return `RSS ${rss[1]}`;
  if (/<(?:[\w-]+:)?rss\b/i.test(head)) return 'RSS';
  if (/<(?:[\w-]+:)?RDF\b/.test(head)) return 'RSS 1.0 (RDF)';
  if (/<(?:[\w-]+:)?feed\b[^>]*http:\/\/www\.w3\.org\/2005\/Atom/i.test(head)) return 'Atom 1.0';
  if (/<(?:[\w-]+:)?feed\b/i.test(head)) return 'Atom';
  return 'a feed';
}

/** An HTML document rather than XML: a doctype or root `<html>` at the start. */
export function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, 2048).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return true;
  // A comment or an XML prolog first, then <html>.
  return /^(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!doctype html[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<html[\s>]/.test(head);
}

const FEED_TYPES: Record<string, string> = {
  'application/rss+xml': 'RSS',
  'application/atom+xml': 'Atom',
  'application/rdf+xml': 'RDF',
  'application/feed+json': 'JSON Feed',
};
/** The part of a page searched for links: the head, or this many characters when it has none. */
const HEAD_MAX = 512 * 1024;

/**
 * Feeds an HTML page links in its head: `<link rel="alternate" type="application/rss+xml|atom+xml|rdf+xml|feed+json"
 * href=…>`, resolved against `<base href>` or the page's URL, in page order, without repeats.
 */
export function linkedFeeds(html: string, pageUrl: string): LinkedFeed[] {
  const headEnd = html.search(/<\/head\s*>|<body[\s>]/i);
  const head = html.slice(0, headEnd === -1 ? HEAD_MAX : Math.min(headEnd, HEAD_MAX));
  let base = pageUrl;
  const baseTag = /<base\b[^>]*>/i.exec(head);
  const baseHref = baseTag ? attributes(baseTag[0]).href : undefined;
  if (baseHref) base = resolve(baseHref, pageUrl) ?? pageUrl;
  const out: LinkedFeed[] = [];
  const seen = new Set<string>();
  for (const m of head.matchAll(/<link\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    const rel = (a.rel ?? '').toLowerCase().split(/\s+/);
    const type = FEED_TYPES[(a.type ?? '').toLowerCase().split(';')[0]!.trim()];
    if (!rel.includes('alternate') || !type || !a.href) continue;
    const url = resolve(a.href, base);
    if (!url || seen.has(url) || !/^https?:|^file:/i.test(url)) continue;
    seen.add(url);
    out.push({ url, type, title: a.title?.trim() || null });
  }
  return out;
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = tag.replace(/^<\w+/, '').replace(/\/?>$/, '');
  for (const m of body.matchAll(/([^\s=/>]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    const name = m[1]!.toLowerCase();
    if (!(name in out)) out[name] = decodeHTML(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function resolve(href: string, base: string): string | undefined {
  try {
    return new URL(href.trim(), base).toString();
  } catch {
    return undefined;
  }
}
