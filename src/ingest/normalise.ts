import { createHash } from 'node:crypto';
import { canonicalUrl } from './canonical-url.js';
import { htmlToText } from './text.js';
import type { ParsedItem } from './parse.js';
import { parseFeedDate } from './feed-reader.js';

export interface NormalisedItem {
  guid: string | null;
  url: string;
  link: string;
  title: string;
  description: string;
  content: string;
  author: string | null;
  /** The outlet named by the item itself (aggregator feeds), else null: the feed's title is used. */
  source: string | null;
  /** null when the feed gave no usable date: the store uses the first-seen time. */
  publishedAt: number | null;
  contentHash: string;
}

/** A date this far ahead of our clock is a publisher's mistake (or a time-zone slip), not news. */
const FUTURE_SLACK_MS = 10 * 60_000;
/** What an item may bring: a headline, a teaser, and the raw markup read for each (the rest is cut). */
export const TITLE_MAX = 300;
const DESCRIPTION_MAX = 1200;
const TITLE_HTML_MAX = 16 * 1024;
const DESCRIPTION_HTML_MAX = 64 * 1024;

/** Turns a parsed feed item into plain-text fields; returns null for an item without a usable link. Never throws. */
export function normaliseItem(item: ParsedItem, feedUrl: string, now: number): NormalisedItem | null {
  const r = normaliseItemResult(item, feedUrl, now);
  return 'item' in r ? r.item : null;
}

/**
 * normaliseItem with the reason an item is not kept: 'no link' (none, or none that is an
 * http(s) URL once resolved) or 'unreadable item: …'. Never throws: one bad item never loses
 * the feed's transaction.
 */
export function normaliseItemResult(item: ParsedItem, feedUrl: string, now: number): { item: NormalisedItem } | { skipped: string } {
  try {
    return normaliseOrSkip(item, feedUrl, now);
  } catch (err) {
    return { skipped: `unreadable item: ${(err as Error).message}` };
  }
}

function normaliseOrSkip(item: ParsedItem, feedUrl: string, now: number): { item: NormalisedItem } | { skipped: string } {
  const base = resolveBase(str(item.base), feedUrl);
  const guidText = str(item.guid);
  const idText = str(item.id);
  const link = resolveLink(str(item.link) || (isUrl(guidText) ? guidText : undefined) || (isUrl(idText) ? idText : undefined), base);
  if (!link) return { skipped: 'no link' };
  const source = htmlToText(str(item.source)) || null;
  let title = cutText(htmlToText(str(item.title), false, TITLE_HTML_MAX), TITLE_MAX);
  // Aggregators append the outlet to the headline: "Japan to send Patriots - Reuters".
  if (source && title.endsWith(` - ${source}`)) title = title.slice(0, -(source.length + 3)).trim();
  const contentHtml = str(item['content:encoded']) || str(item.content);
  const content = htmlToText(contentHtml, true);
  // The raw description/summary HTML, not rss-parser's snippet (which keeps script text).
  let description = htmlToText(str(item.description) || str(item.summary) || str(item.content) || str(item.contentSnippet), false, DESCRIPTION_HTML_MAX);
  if (!description && content) description = content.slice(0, DESCRIPTION_MAX * 2).replace(/\n/g, ' ');
  description = cutText(description, DESCRIPTION_MAX);
  const finalTitle = title || description.slice(0, 120) || link;
  const publishedAt = parseDate(str(item.isoDate) || str(item.pubDate) || str(item['dc:date']), now);
  const guid = (guidText || idText).trim().slice(0, GUID_MAX) || null;
  const author = cutText(htmlToText(str(item.creator) || str(item.author)), AUTHOR_MAX) || null;
  const contentHash = createHash('sha1').update(`${finalTitle}\n${description}\n${content}\n${link}`).digest('hex');
  return { item: { guid, url: canonicalUrl(link), link, title: finalTitle, description, content, author, source, publishedAt, contentHash } };
}

const GUID_MAX = 2048;
const AUTHOR_MAX = 200;

/**
 * The text of a field whatever shape a parser gave it: a string, an xml2js-style object
 * (`{ _: text, $: attributes }`), an array (its first element), a number; anything else is ''.
 */
export function str(v: unknown, depth = 0): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (depth > 4 || v === null || typeof v !== 'object') return '';
  if (Array.isArray(v)) return str(v[0], depth + 1);
  const o = v as Record<string, unknown>;
  if ('_' in o) return str(o._, depth + 1);
  if ('#text' in o) return str(o['#text'], depth + 1);
  return '';
}

function resolveBase(base: string, feedUrl: string): string {
  if (!base) return feedUrl;
  try {
    return new URL(base, feedUrl.startsWith('file:') ? undefined : feedUrl).href;
  } catch {
    return feedUrl;
  }
}

/** Cut at a word boundary (if one is near) with an ellipsis. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.7 ? cut.slice(0, space) : cut).trimEnd() + '…';
}

function isUrl(s?: string): s is string {
  return !!s && /^https?:\/\//i.test(s.trim());
}

function resolveLink(link: string | undefined, base: string): string | null {
  if (!link) return null;
  try {
    const u = new URL(link.trim(), base.startsWith('file:') ? undefined : base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

export function parseDate(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const t = parseFeedDate(value);
  if (t === null || t > now + FUTURE_SLACK_MS) return null;
  return t;
}
