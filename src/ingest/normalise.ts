import { createHash } from 'node:crypto';
import { canonicalUrl } from './canonical-url.js';
import { htmlToText } from './text.js';
import type { ParsedItem } from './parse.js';

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

/** Turns a parsed feed item into plain-text fields; returns null for an item without a usable link. */
export function normaliseItem(item: ParsedItem, feedUrl: string, now: number): NormalisedItem | null {
  const link = resolveLink(item.link ?? (isUrl(item.guid) ? item.guid : undefined) ?? (isUrl(item.id) ? item.id : undefined), feedUrl);
  if (!link) return null;
  const source = htmlToText(typeof item.source === 'string' ? item.source : item.source?._) || null;
  let title = cutText(htmlToText(item.title, false, TITLE_HTML_MAX), TITLE_MAX);
  // Aggregators append the outlet to the headline: "Japan to send Patriots - Reuters".
  if (source && title.endsWith(` - ${source}`)) title = title.slice(0, -(source.length + 3)).trim();
  const contentHtml = item['content:encoded'] ?? item.content ?? '';
  const content = htmlToText(contentHtml, true);
  // The raw description/summary HTML, not rss-parser's snippet (which keeps script text).
  let description = htmlToText(item.description ?? item.summary ?? item.content ?? item.contentSnippet ?? '', false, DESCRIPTION_HTML_MAX);
  if (!description && content) description = content.slice(0, DESCRIPTION_MAX * 2).replace(/\n/g, ' ');
  description = cutText(description, DESCRIPTION_MAX);
  const finalTitle = title || description.slice(0, 120) || link;
  const publishedAt = parseDate(item.isoDate ?? item.pubDate ?? item['dc:date'], now);
  const guid = (item.guid ?? item.id ?? '').trim() || null;
  const author = (item.creator ?? item.author ?? '').toString().trim() || null;
  const contentHash = createHash('sha1').update(`${finalTitle}\n${description}\n${content}\n${link}`).digest('hex');
  return { guid, url: canonicalUrl(link), link, title: finalTitle, description, content, author, source, publishedAt, contentHash };
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
  const t = Date.parse(value);
  if (Number.isNaN(t) || t > now + FUTURE_SLACK_MS) return null;
  return t;
}
