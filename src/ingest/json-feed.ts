import { escapeText } from 'entities';
import { FeedError } from './errors.js';
import type { ParsedFeed, ParsedItem } from './parse.js';

/** `version` of JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/). */
const VERSION = /^https?:\/\/jsonfeed\.org\/version\/(1|1\.1)\/?$/;

/** Does the body look like JSON rather than XML (its first character past spaces and a BOM)? */
export function looksLikeJson(text: string): boolean {
  return /^\s*\{/.test(text);
}

/**
 * Reads a JSON Feed into the shape the RSS/Atom reader gives, so normalising, limits and skipped
 * items work the same. Plain-text fields (title, summary, content_text) are escaped, since the
 * normaliser reads every text field as HTML; `content_html` is HTML already. No string longer than
 * `maxText` characters is kept whole, as for XML text nodes.
 */
export function readJsonFeed(text: string, maxText: number, baseUrl?: string): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FeedError('parse', `not a feed: invalid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc) || typeof doc.version !== 'string' || !VERSION.test(doc.version.trim())) {
    throw new FeedError('not-a-feed', 'not a feed: JSON without a jsonfeed.org version (expected "version": "https://jsonfeed.org/version/1.1")');
  }
  if (!Array.isArray(doc.items)) throw new FeedError('parse', 'JSON Feed without an "items" array');
  const format = VERSION.exec(doc.version.trim())![1] === '1' ? 'JSON Feed 1.0' : 'JSON Feed 1.1';
  const cut = (v: unknown) => (typeof v === 'string' && v.trim() ? v.slice(0, maxText) : undefined);
  const plain = (v: unknown) => {
    const s = cut(v);
    return s === undefined ? undefined : escapeText(s);
  };
  const items: ParsedItem[] = [];
  const skipped: { reason: string }[] = [];
  doc.items.forEach((raw, i) => {
    if (!isObject(raw)) return void skipped.push({ reason: `unreadable item: item ${i + 1} is not an object` });
    const id = cut(raw.id) ?? (typeof raw.id === 'number' ? String(raw.id) : undefined);
    const link = cut(raw.url) ?? cut(raw.external_url);
    if (id === undefined && link === undefined) return void skipped.push({ reason: `unreadable item: item ${i + 1} has neither "id" nor "url"` });
    const date = cut(raw.date_published) ?? cut(raw.date_modified);
    const time = date === undefined ? NaN : Date.parse(date);
    // 1.1 lists authors; 1.0 has one author.
    const author = (Array.isArray(raw.authors) ? raw.authors.find(isObject) : isObject(raw.author) ? raw.author : undefined)?.name;
    const item: ParsedItem = {};
    const title = plain(raw.title);
    if (title !== undefined) item.title = title;
    if (link !== undefined) item.link = link;
    if (baseUrl) item.base = baseUrl;
    if (id !== undefined) item.guid = id;
    if (!Number.isNaN(time)) item.isoDate = new Date(time).toISOString();
    const content = cut(raw.content_html) ?? plain(raw.content_text);
    if (content !== undefined) item.content = content;
    const summary = plain(raw.summary);
    if (summary !== undefined) item.summary = summary;
    const name = plain(author);
    if (name !== undefined) item.author = name;
    items.push(item);
  });
  const feed: ParsedFeed = { format, items, skipped };
  const title = cut(doc.title);
  if (title !== undefined) feed.title = title.trim();
  const home = cut(doc.home_page_url);
  if (home !== undefined) feed.link = home;
  return feed;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
