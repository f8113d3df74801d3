import { FeedError } from './errors.js';
import { findFeedRoot, readFeed } from './feed-reader.js';
import { lenientTree, strictTree, type XmlTree } from './xml-tree.js';
import { looksLikeJson, readJsonFeed } from './json-feed.js';

/** Characters of one text node (or CDATA section) read at most; longer ones are cut before parsing. */
const MAX_TEXT_NODE = 100 * 1024;

/**
 * One item as read from the feed. Every field is a plain string (markup of html/xhtml text
 * constructs kept as markup for htmlToText), or absent.
 */
export interface ParsedItem {
  title?: string;
  /** As written, or resolved against xml:base and the response's base URL when those allow it. */
  link?: string;
  /** The item's effective xml:base (resolved as far as known): normaliseItem resolves a relative link against it. */
  base?: string;
  guid?: string;
  id?: string;
  /** Set only when the date could be read. */
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
  /** Plain text (markup flattened), or absent. */
  title?: string;
  link?: string;
  /** What the document is: 'RSS 2.0', 'RSS 0.91', 'RSS 0.92', 'RSS 1.0', 'RSS 0.90', 'RSS' (no version), 'Atom 1.0', 'Atom 0.3', 'JSON Feed 1.0', 'JSON Feed 1.1'. */
  format: string;
  items: ParsedItem[];
  /** Items that could not be read (one entry each, with the reason); the feed's other items are kept. */
  skipped: { reason: string }[];
}

export interface ParseOptions {
  /** The response's base URL (Content-Location resolved against the final URL, else the final URL): relative links and xml:base resolve against it. */
  baseUrl?: string;
}

/**
 * Parses RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1 (src/ingest/json-feed.ts). Each call builds its own tree: nothing is shared
 * between two parses. The strict pass (sax) reads a well-formed document; one it refuses is read
 * again by the lenient pass (htmlparser2, as feedparser's loose parser does) and reported
 * `repaired`. A document with no root element, an HTML page, or XML that holds no feed is a
 * FeedError at once. Synchronous inside: the promise settles as soon as the text is read.
 */
export async function parseFeed(text: string, options: ParseOptions = {}): Promise<{ feed: ParsedFeed; repaired: boolean }> {
  return parseFeedSync(text, options);
}

export function parseFeedSync(text: string, options: ParseOptions = {}): { feed: ParsedFeed; repaired: boolean } {
  text = text.replace(/^\uFEFF/, '');
  if (looksLikeJson(text)) return { feed: readJsonFeed(text, MAX_TEXT_NODE, options.baseUrl), repaired: false };
  text = capTextNodes(text.replace(/^\uFEFF/, ''), MAX_TEXT_NODE);
  if (!/<[A-Za-z_]/.test(text)) throw new FeedError('not-a-feed', 'not a feed: the document has no root element');
  const head = text.slice(0, 1024).trimStart().toLowerCase();
  const looksHtml = head.startsWith('<!doctype html') || head.startsWith('<html') || (!head.startsWith('<?xml') && /<html[\s>]/.test(head));
  if (looksHtml && !/<(?:[\w.-]+:)?(?:feed|rss|rdf)[\s>]/i.test(text.slice(0, 65536))) {
    throw new FeedError('not-a-feed', 'not a feed: the server returned an HTML page');
  }
  let tree: XmlTree = strictTree(text);
  let repaired = false;
  const strictError = tree.error;
  if (!tree.root) {
    tree = lenientTree(text);
    repaired = true;
  }
  const root = tree.root;
  if (!root) throw new FeedError('not-a-feed', 'not a feed: the document has no root element');
  const found = findFeedRoot(root);
  if (!found) {
    if (looksHtml || root.local.toLowerCase() === 'html') throw new FeedError('not-a-feed', 'not a feed: the server returned an HTML page');
    const why = strictError ? ` (${strictError.replace(/\s+/g, ' ').trim()})` : '';
    throw new FeedError(strictError ? 'parse' : 'not-a-feed', `not a feed: no <rss>, <feed> or <rdf:RDF> element, the root is <${root.name.slice(0, 60)}>${why}`);
  }
  return { feed: readFeed(found, options.baseUrl), repaired };
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
