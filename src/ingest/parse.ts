import { createRequire } from 'node:module';
import Parser from 'rss-parser';
import { decodeHTML } from 'entities';
import { FeedError } from './errors.js';
import { htmlToText } from './text.js';

// rss-parser makes each item's `contentSnippet` with the regex /<(?:.|\n)*?>/, which is
// quadratic in a text with many unclosed "<" (a 1 MB description took 7.5 s). Its utilities are
// looked up at call time, so the snippet is made by our linear markup stripper instead.
const rssUtils = createRequire(import.meta.url)('rss-parser/lib/utils.js') as { getSnippet: (s: string) => string };
rssUtils.getSnippet = (s: string) => htmlToText(s);

/** Characters of one text node (or CDATA section) read at most; longer ones are cut before parsing. */
const MAX_TEXT_NODE = 100 * 1024;

export interface ParsedItem {
  title?: string;
  link?: string;
  guid?: string;
  id?: string;
  isoDate?: string;
  pubDate?: string;
  content?: string;
  contentSnippet?: string;
  summary?: string;
  description?: string;
  /** Aggregators (Google News) name the original outlet: `<source url=…>Outlet</source>`. */
  source?: string | { _?: string; $?: { url?: string } };
  creator?: string;
  author?: string;
  'content:encoded'?: string;
  'dc:date'?: string;
}

export interface ParsedFeed {
  title?: string;
  link?: string;
  items: ParsedItem[];
}

const parser = new Parser<Record<string, unknown>, ParsedItem>({
  customFields: { item: ['summary', 'author', 'dc:date', 'description', 'source'] },
});

/**
 * Parses RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom with rss-parser. A document that fails is
 * retried once after a lenient repair (stray `&`, control characters, BOM); an HTML page is
 * reported as such rather than as an obscure XML error.
 */
export async function parseFeed(text: string): Promise<{ feed: ParsedFeed; repaired: boolean }> {
  const head = text.slice(0, 1024).trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || (!head.startsWith('<?xml') && /<html[\s>]/.test(head))) {
    throw new FeedError('not-a-feed', 'not a feed: the server returned an HTML page');
  }
  text = capTextNodes(text, MAX_TEXT_NODE);
  try {
    return { feed: (await parser.parseString(text)) as ParsedFeed, repaired: false };
  } catch (first) {
    const fixed = repairXml(text);
    if (fixed !== text) {
      try {
        return { feed: (await parser.parseString(fixed)) as ParsedFeed, repaired: true };
      } catch {
        // fall through to report the original error, which points at the real problem
      }
    }
    const msg = (first as Error).message.replace(/\s+/g, ' ').trim();
    if (/not recognized as RSS|Unable to parse XML/i.test(msg) && !/<(rss|feed|rdf:RDF)[\s>]/i.test(text)) {
      throw new FeedError('not-a-feed', `not a feed: no <rss>, <feed> or <rdf:RDF> element (${msg})`);
    }
    throw new FeedError('parse', `invalid feed XML: ${msg}`, { cause: first });
  }
}

/**
 * Cuts every text run and CDATA section longer than `max` characters, in one linear pass: no
 * headline or description needs more, and the parser then never holds megabytes of one field.
 * A cut never ends inside an entity reference.
 */
export function capTextNodes(xml: string, max: number): string {
  if (xml.length <= max) return xml;
  const out: string[] = [];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const end = lt === -1 ? xml.length : lt;
    out.push(end - i > max ? xml.slice(i, i + max).replace(/&[#a-zA-Z0-9]*$/, '') : xml.slice(i, end));
    if (lt === -1) break;
    if (xml.startsWith('<![CDATA[', lt)) {
      const close = xml.indexOf(']]>', lt + 9);
      const stop = close === -1 ? xml.length : close;
      out.push('<![CDATA[', stop - (lt + 9) > max ? xml.slice(lt + 9, lt + 9 + max) : xml.slice(lt + 9, stop), ']]>');
      i = close === -1 ? xml.length : close + 3;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt === -1) {
      out.push(xml.slice(lt));
      break;
    }
    out.push(xml.slice(lt, gt + 1));
    i = gt + 1;
  }
  return out.join('');
}

/** The lenient repair: escape `&` that starts no entity, drop XML-illegal control characters and a BOM. */
export function repairXml(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/^\s+(?=<)/, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&(?!(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/g, '&amp;')
    // HTML named entities (`&nbsp;`, `&mdash;`) are not XML: turn them into character references.
    .replace(/&([a-zA-Z][a-zA-Z0-9]{1,31});/g, (whole, name: string) => {
      if (XML_ENTITIES.has(name)) return whole;
      const decoded = decodeHTML(whole);
      return decoded === whole ? `&amp;${name};` : [...decoded].map((c) => `&#${c.codePointAt(0)};`).join('');
    });
}

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
