import { elements, innerMarkup, textOf, type XNode } from './xml-tree.js';
import { htmlToText } from './text.js';
import type { ParsedFeed, ParsedItem } from './parse.js';

/**
 * Reads RSS 0.9x/1.0/2.0 (with or without `version`, with or without `<channel>`) and Atom
 * 0.3/1.0 (also inside an XHTML page) from an element tree, the way Python feedparser reads
 * them. Every field is read defensively; an item that still cannot be read is skipped and
 * counted with its reason, never the feed.
 */

const ATOM = new Set(['atom', 'atom03']);
/** Atom link relations that never name the article itself. */
const NOT_ARTICLE_RELS = new Set(['enclosure', 'self', 'license', 'related', 'via', 'edit', 'edit-media', 'replies', 'payment', 'hub', 'first', 'last', 'next', 'previous', 'prev', 'search', 'service.edit', 'service.post', 'service.feed']);

/** Finds the feed element and its kind; null when the tree holds no feed. */
export function findFeedRoot(root: XNode): { node: XNode; kind: 'rss' | 'rdf' | 'atom' } | null {
  const kindOf = (n: XNode) => (n.local === 'rss' || n.local.toLowerCase() === 'channel' ? 'rss' : n.local === 'RDF' ? 'rdf' : n.local === 'feed' ? 'atom' : null);
  const k = kindOf(root);
  if (k) return { node: root, kind: k };
  // An Atom (or RSS) feed wrapped in an XHTML page or another envelope: the first feed element within.
  const queue = [...elements(root)];
  for (let seen = 0; queue.length && seen < 10_000; seen++) {
    const n = queue.shift()!;
    const kn = kindOf(n);
    if (kn && n.local.toLowerCase() !== 'channel') return { node: n, kind: kn };
    queue.push(...elements(n));
  }
  return null;
}

export function readFeed(found: { node: XNode; kind: 'rss' | 'rdf' | 'atom' }, baseUrl?: string): ParsedFeed {
  const { node, kind } = found;
  const skipped: { reason: string }[] = [];
  const items: ParsedItem[] = [];
  let channel: XNode = node;
  let itemNodes: XNode[];
  let format: string;
  if (kind === 'atom') {
    format = node.ns === 'atom03' || node.attrs.version === '0.3' ? 'Atom 0.3' : 'Atom 1.0';
    itemNodes = descendants(node, (e) => e.local === 'entry' && e.ns !== 'xhtml');
  } else {
    channel = elements(node).find((e) => e.local.toLowerCase() === 'channel') ?? node;
    // RSS 1.0 puts its items beside the channel; a lenient parse may leave them inside an unclosed element.
    itemNodes = descendants(node, (e) => e.local.toLowerCase() === 'item' && !ATOM.has(e.ns));
    format = kind === 'rdf' ? (isRss090(node) ? 'RSS 0.90' : 'RSS 1.0') : rssVersion(node);
  }
  for (const n of itemNodes) {
    try {
      items.push(kind === 'atom' ? readAtomEntry(n, baseUrl) : readRssItem(n, baseUrl));
    } catch (err) {
      skipped.push({ reason: `unreadable item: ${(err as Error).message}` });
    }
  }
  let title: string | undefined;
  let link: string | undefined;
  try {
    const t = pick(channel, ['title'], kind === 'atom' ? ATOM_NS : RSS_NS);
    title = t ? htmlToText(innerMarkup(t)) || undefined : undefined;
    link = kind === 'atom' ? atomLink(channel, baseUrl)?.href : rssLink(channel, baseUrl)?.href;
  } catch {
    // a feed without a readable title or link is still a feed
  }
  return { title, link, format, items, skipped };
}

/** Elements below `node` that match, in document order, not looking inside a match (an item holds no items). */
function descendants(node: XNode, match: (e: XNode) => boolean): XNode[] {
  const out: XNode[] = [];
  const walk = (n: XNode) => {
    for (const c of n.children) {
      if (typeof c === 'string') continue;
      if (match(c)) out.push(c);
      else walk(c);
    }
  };
  walk(node);
  return out;
}

function isRss090(root: XNode): boolean {
  return Object.values(root.attrs).some((v) => v.startsWith('http://my.netscape.com/rdf/simple/0.9'));
}

function rssVersion(root: XNode): string {
  const v = (root.local === 'rss' ? root.attrs.version ?? '' : '').trim();
  if (!v) return 'RSS';
  if (/^2/.test(v)) return 'RSS 2.0';
  if (/^0\.9[0-4]$/.test(v)) return `RSS ${v}`;
  return `RSS ${v.slice(0, 10)}`;
}

const RSS_NS = ['', 'rss'];
const ATOM_NS = ['atom', 'atom03', ''];

/** The first child element named `local` in one of `nss` (in that order of preference). */
function pick(node: XNode, locals: string[], nss: string[]): XNode | undefined {
  const kids = elements(node);
  for (const ns of nss) for (const l of locals) {
    const hit = kids.find((e) => e.local === l && e.ns === ns);
    if (hit) return hit;
  }
  return undefined;
}

function textField(node: XNode, locals: string[], nss: string[]): string | undefined {
  const n = pick(node, locals, nss);
  if (!n) return undefined;
  const t = textOf(n).trim();
  return t || undefined;
}

/** A text construct as markup (html/xhtml kept as markup, for htmlToText), or plain text. */
function markupField(node: XNode, locals: string[], nss: string[]): string | undefined {
  const n = pick(node, locals, nss);
  if (!n) return undefined;
  return innerMarkup(n) || undefined;
}

/** The effective xml:base of a node (innermost first, resolved outwards), against the response's base URL. */
function baseOf(node: XNode, baseUrl?: string): string | undefined {
  const chain: string[] = [];
  for (let n: XNode | null = node; n; n = n.parent) {
    const b = n.attrs['xml:base'] ?? (n.name === 'CHANNEL' ? n.attrs.BASE : undefined); // CDF names its base BASE
    if (b !== undefined && b.trim()) chain.push(b.trim());
  }
  let base = baseUrl;
  for (let i = chain.length - 1; i >= 0; i--) base = resolve(chain[i]!, base);
  return base;
}

/** Resolves `ref` against `base` when both allow it; otherwise `ref` as written (resolved later against the feed URL). */
function resolve(ref: string, base?: string): string {
  if (!base) return ref;
  try {
    return new URL(ref, base).href;
  } catch {
    return ref;
  }
}

interface Link {
  href: string;
  base?: string;
}

function linkTarget(e: XNode, baseUrl?: string): Link | undefined {
  const raw = (e.attrs.href ?? e.attrs.url ?? e.attrs['rdf:resource'] ?? textOf(e)).trim();
  if (!raw) return undefined;
  const base = baseOf(e, baseUrl);
  return { href: resolve(raw, base), base };
}

/** Atom links chosen by rel: alternate (or none) first, preferring an HTML type; never enclosure, self, license… */
function atomLink(node: XNode, baseUrl?: string, htmlOnly = false): Link | undefined {
  const links = elements(node).filter((e) => e.local === 'link' && (ATOM.has(e.ns) || e.ns === ''));
  const rel = (e: XNode) => (e.attrs.rel ?? 'alternate').trim().toLowerCase();
  const alternates = links.filter((e) => rel(e) === 'alternate' || rel(e) === 'http://www.iana.org/assignments/relation/alternate');
  const html = alternates.find((e) => e.attrs.type && /html/i.test(e.attrs.type)) ?? alternates.find((e) => !e.attrs.type);
  for (const e of [html, ...(htmlOnly ? [] : [...alternates, ...links.filter((l) => !NOT_ARTICLE_RELS.has(rel(l)) && !alternates.includes(l))])]) {
    const t = e && linkTarget(e, baseUrl);
    if (t) return t;
  }
  return undefined;
}

/**
 * RSS `<link>` (text, or an `href` attribute; of several, the last, as feedparser reads them),
 * else a CDF `HREF`, else an Atom/a10 link inside the item.
 */
function rssLink(node: XNode, baseUrl?: string): Link | undefined {
  let found: Link | undefined;
  for (const e of elements(node)) {
    if (e.local.toLowerCase() === 'link' && (e.ns === '' || e.ns === 'rss') && !NOT_ARTICLE_RELS.has((e.attrs.rel ?? '').trim().toLowerCase())) found = linkTarget(e, baseUrl) ?? found;
  }
  if (found) return found;
  const href = node.attrs.href ?? node.attrs.HREF;
  if (href?.trim()) {
    const base = baseOf(node, baseUrl);
    return { href: resolve(href.trim(), base), base };
  }
  return atomLink(onlyAtom(node), baseUrl);
}

function onlyAtom(node: XNode): XNode {
  return { ...node, children: elements(node).filter((e) => ATOM.has(e.ns)) };
}

function dateField(node: XNode, locals: string[], nss: string[]): { pubDate?: string; isoDate?: string } {
  const raw = textField(node, locals, nss);
  if (!raw) return {};
  const t = parseFeedDate(raw);
  return t === null ? { pubDate: raw } : { pubDate: raw, isoDate: new Date(t).toISOString() };
}

/**
 * Date.parse, and the forms it refuses that feeds send: single-digit fields ("12:35:9"), a
 * missing "T", "UT"/"Z" zones in RFC 822 dates. An unreadable date is no date, never an error.
 */
export function parseFeedDate(raw: string): number | null {
  const s = raw.trim();
  let t = Date.parse(s);
  if (!Number.isNaN(t)) return validYear(t);
  const iso = /^(\d{4})-?(\d{1,2})-?(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', se = '0', zone] = iso;
    const p2 = (x: string) => x.padStart(2, '0');
    const z = !zone || /^(z|utc|gmt)$/i.test(zone) ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    t = Date.parse(`${y}-${p2(mo!)}-${p2(d!)}T${p2(h)}:${p2(mi)}:${p2(se)}${z}`);
    if (!Number.isNaN(t)) return validYear(t);
  }
  const rfc = s.replace(/\b(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\b/, (_, h: string, m: string, sec = '0') => `${h.padStart(2, '0')}:${m.padStart(2, '0')}:${sec.padStart(2, '0')}`).replace(/\bUT\b/, 'GMT');
  t = Date.parse(rfc);
  return Number.isNaN(t) ? null : validYear(t);
}

function validYear(t: number): number | null {
  const y = new Date(t).getUTCFullYear();
  return y >= 1970 && y < 10000 ? t : null;
}

/** The first candidate that is a readable date, else the first one present (kept raw, read as no date). */
function firstDate(n: XNode, candidates: [string[], string[]][]): { pubDate?: string; isoDate?: string } {
  let fallback: { pubDate?: string; isoDate?: string } = {};
  for (const [locals, nss] of candidates) {
    const d = dateField(n, locals, nss);
    if (d.isoDate) return d;
    if (d.pubDate && !fallback.pubDate) fallback = d;
  }
  return fallback;
}

function readRssItem(n: XNode, baseUrl?: string): ParsedItem {
  const link = rssLink(n, baseUrl);
  const guidNode = pick(n, ['guid'], RSS_NS);
  const guid = guidNode ? textOf(guidNode).trim() || undefined : undefined;
  const about = n.attrs['rdf:about']?.trim() || undefined;
  const base = baseOf(n, baseUrl);
  const dates = firstDate(n, [[['pubDate'], RSS_NS], [['date'], ['dc']], [['modified', 'issued', 'created'], ['dcterms']], [['published', 'updated', 'issued', 'modified'], ['atom', 'atom03']]]);
  const sourceNode = pick(n, ['source'], RSS_NS);
  return {
    title: markupField(n, ['title'], RSS_NS) ?? markupField(n, ['title'], ['dc', 'atom']),
    link: link?.href ?? idAsLink(guidNode, baseUrl) ?? (isAbsoluteUrl(guid) ? guid : undefined) ?? (about ? resolve(about, base) : undefined),
    base,
    guid: guid ?? about,
    isoDate: dates.isoDate,
    pubDate: dates.pubDate,
    description: markupField(n, ['description'], RSS_NS) ?? markupField(n, ['description', 'abstract'], ['dc', 'dcterms']) ?? markupField(n, ['summary'], ['atom']),
    'content:encoded': markupField(n, ['encoded'], ['content']) ?? markupField(n, ['content'], ['atom']),
    source: sourceNode ? textOf(sourceNode).trim() || undefined : undefined,
    creator: textField(n, ['creator'], ['dc']),
    author: textField(n, ['author'], RSS_NS) ?? personName(pick(n, ['author'], ['atom'])),
  };
}

function readAtomEntry(n: XNode, baseUrl?: string): ParsedItem {
  const idNode = pick(n, ['id'], ATOM_NS);
  const id = idNode ? textOf(idNode).trim() || undefined : undefined;
  // As feedparser: an HTML alternate first, then the id when it is a URL, then any other link that may name the article.
  const idLink = idAsLink(idNode, baseUrl);
  const link = atomLink(n, baseUrl, true) ?? (idLink ? { href: idLink } : undefined) ?? atomLink(n, baseUrl);
  const base = baseOf(n, baseUrl);
  const dates = firstDate(n, [[['published', 'issued'], ATOM_NS], [['updated', 'modified', 'created'], ATOM_NS], [['date'], ['dc']]]);
  const content = pick(n, ['content'], ATOM_NS);
  return {
    title: markupField(n, ['title'], ATOM_NS),
    link: link?.href,
    base,
    id,
    guid: id,
    isoDate: dates.isoDate,
    pubDate: dates.pubDate,
    summary: markupField(n, ['summary'], ATOM_NS),
    content: content && !content.attrs.src ? innerMarkup(content) || undefined : undefined,
    author: personName(pick(n, ['author'], ATOM_NS)) ?? textField(n, ['creator'], ['dc']),
  };
}

function personName(node: XNode | undefined): string | undefined {
  if (!node) return undefined;
  const name = pick(node, ['name'], ATOM_NS);
  return (name ? textOf(name) : textOf(node)).replace(/\s+/g, ' ').trim() || undefined;
}

/**
 * What feedparser takes as the link of an item without one: its guid or id unless marked
 * `isPermaLink="false"`, resolved against xml:base; kept only when that gives an http(s) URL.
 */
function idAsLink(node: XNode | undefined, baseUrl?: string): string | undefined {
  if (!node || node.attrs.isPermaLink?.trim().toLowerCase() === 'false') return undefined;
  const raw = textOf(node).trim();
  if (!raw) return undefined;
  const href = resolve(raw, baseOf(node, baseUrl));
  if (/^https?:\/\//i.test(href)) return href;
  // Still relative (no base known here): normaliseItem resolves it against the item's base or the feed URL.
  return /^[a-z][a-z0-9+.-]*:/i.test(href) ? undefined : href;
}

function isAbsoluteUrl(s?: string): s is string {
  return !!s && /^https?:\/\//i.test(s.trim());
}
