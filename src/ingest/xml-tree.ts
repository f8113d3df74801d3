import { createRequire } from 'node:module';
import { Parser as LenientParser } from 'htmlparser2';
import { decodeHTMLStrict } from 'entities';
import { escapeAttribute, escapeText } from 'entities';

/**
 * A feed document as a small element tree, built fresh for each response (nothing is shared
 * between two parses). Names are namespace-resolved: `ns` is a canonical prefix for the
 * namespaces a feed reader needs ('atom', 'atom03', 'rdf', 'dc', 'content', 'xhtml'…, '' for
 * RSS and no namespace), so `<a10:link>`, `<atom:link>` and `<link xmlns="…/2005/Atom">` read
 * alike and `<rss:rss>`, `<atom:feed>` are just `rss` and `feed`.
 */
export interface XNode {
  /** The qualified name as written (`a10:link`). */
  name: string;
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: (XNode | string)[];
  parent: XNode | null;
}

export interface XmlTree {
  root: XNode | null;
  /** The first problem of an ill-formed document (the strict pass failed), else undefined. */
  error?: string;
}

const NAMESPACES: Record<string, string> = {
  'http://www.w3.org/2005/Atom': 'atom',
  'http://purl.org/atom/ns#': 'atom03',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://purl.org/rss/1.0/': '',
  'http://my.netscape.com/rdf/simple/0.9/': '',
  'http://backend.userland.com/rss2': '',
  'http://backend.userland.com/rss': '',
  'http://blogs.law.harvard.edu/tech/rss': '',
  'http://purl.org/net/rss1.1#': '',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://www.w3.org/1999/xhtml': 'xhtml',
  'http://www.w3.org/XML/1998/namespace': 'xml',
};

/** Nesting deeper than this is not a feed: deeper elements are dropped (readers recurse over the tree). */
const MAX_DEPTH = 200;

type Scope = Map<string, string>; // prefix ('' = default) → namespace URI

/** Collects the tree from start/text/end events; shared by the strict and the lenient pass. */
class TreeBuilder {
  root: XNode | null = null;
  private stack: XNode[] = [];
  private scopes: Scope[] = [new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])];
  private dropped = 0;
  closedRoot = false;

  open(name: string, attrs: Record<string, string>): void {
    if (this.dropped || this.stack.length >= MAX_DEPTH || this.closedRoot) {
      this.dropped++;
      return;
    }
    const outer = this.scopes[this.scopes.length - 1]!;
    let scope = outer;
    for (const key in attrs) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        if (scope === outer) scope = new Map(outer);
        scope.set(key === 'xmlns' ? '' : key.slice(6), attrs[key]!.trim());
      }
    }
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? '' : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    const uri = scope.get(prefix);
    const ns = uri === undefined ? prefix : (NAMESPACES[uri] ?? NAMESPACES[uri.replace(/\/$/, '')] ?? prefix);
    const parent = this.stack[this.stack.length - 1] ?? null;
    const node: XNode = { name, ns, local, attrs, children: [], parent };
    if (parent) parent.children.push(node);
    else if (!this.root) this.root = node;
    this.stack.push(node);
    this.scopes.push(scope);
  }

  text(s: string): void {
    if (this.dropped) return;
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    const last = top.children.length - 1;
    if (last >= 0 && typeof top.children[last] === 'string') top.children[last] += s;
    else top.children.push(s);
  }

  /** Closes the element `name`; returns false when it was not the open one (ill-formed). */
  close(name: string): boolean {
    if (this.dropped) {
      this.dropped--;
      return true;
    }
    const at = findOpen(this.stack, name);
    if (at === -1) return false;
    const wellNested = at === this.stack.length - 1;
    this.stack.length = at;
    this.scopes.length = at + 1;
    if (at === 0) this.closedRoot = true;
    return wellNested;
  }

  get open_(): number {
    return this.stack.length;
  }
}

function findOpen(stack: XNode[], name: string): number {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.name === name) return i;
  return -1;
}

interface SaxParser {
  onopentag: (tag: { name: string; attributes: Record<string, string> }) => void;
  ontext: (t: string) => void;
  oncdata: (t: string) => void;
  onclosetag: (name: string) => void;
  onerror: (e: Error) => void;
  write(s: string): SaxParser;
  close(): SaxParser;
}
const sax = createRequire(import.meta.url)('sax') as { parser(strict: boolean, opts: Record<string, unknown>): SaxParser };

/**
 * The strict pass (sax, the XML tokenizer rss-parser itself reads with): a well-formed document
 * gives its tree; the first well-formedness error ends it with `error` set and no tree.
 */
export function strictTree(text: string): XmlTree {
  const b = new TreeBuilder();
  let error: string | undefined;
  const p = sax.parser(true, { trim: false, normalize: false, position: true });
  p.onopentag = (tag) => b.open(tag.name, tag.attributes);
  p.ontext = (t) => b.text(t);
  p.oncdata = (t) => b.text(t);
  p.onclosetag = (name) => void b.close(name);
  p.onerror = (e) => {
    error ??= e.message.split('\n')[0];
    throw e; // stops sax at once; caught below
  };
  try {
    p.write(text).close();
  } catch (e) {
    error ??= (e as Error).message.split('\n')[0];
  }
  if (!error && b.open_ > 0) error = 'unclosed root element';
  return error ? { root: null, error } : { root: b.root };
}

/**
 * The lenient pass (htmlparser2 in XML mode), for what the strict pass refused, as feedparser's
 * loose parser does: unquoted or single-quoted attributes, a stray `&`, HTML named entities, an
 * invalid character reference (dropped), tags left open or closed out of order.
 */
export function lenientTree(text: string): XmlTree {
  const b = new TreeBuilder();
  let inCdata = false;
  const p = new LenientParser(
    {
      onopentag: (name, attrs) => {
        const decoded: Record<string, string> = {};
        for (const k in attrs) decoded[k] = decodeEntities(attrs[k] ?? '');
        b.open(name, decoded);
      },
      ontext: (t) => b.text(inCdata ? t : decodeEntities(t)),
      oncdatastart: () => void (inCdata = true),
      oncdataend: () => void (inCdata = false),
      onclosetag: (name) => void b.close(name),
    },
    { xmlMode: true, decodeEntities: false, recognizeCDATA: true, recognizeSelfClosing: true },
  );
  p.end(stripDoctype(text));
  return { root: b.root };
}

/** An internal DTD subset would end htmlparser2's `<!DOCTYPE …>` at its first `>`: drop it whole. */
function stripDoctype(text: string): string {
  const at = text.slice(0, 4096).search(/<!DOCTYPE/i);
  if (at === -1) return text;
  const m = /^<!DOCTYPE[^[>]*(?:\[[\s\S]*?\]\s*)?>/i.exec(text.slice(at, at + 65536));
  return m ? text.slice(0, at) + text.slice(at + m[0].length) : text;
}

/** XML and HTML named entities and character references; an invalid reference is dropped, a stray `&` kept. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z][a-zA-Z0-9]{0,31});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return isXmlChar(cp) ? String.fromCodePoint(cp) : '';
    }
    switch (ref) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
    }
    return decodeHTMLStrict(whole);
  });
}

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** The element's children that are elements. */
export function elements(node: XNode): XNode[] {
  const out: XNode[] = [];
  for (const c of node.children) if (typeof c !== 'string') out.push(c);
  return out;
}

/** All text below the node, markup dropped (the text of a text construct of any type). */
export function textOf(node: XNode): string {
  let out = '';
  const walk = (n: XNode) => {
    for (const c of n.children) out += typeof c === 'string' ? c : (walk(c), '');
  };
  walk(node);
  return out;
}

/** The node's content as markup: its text escaped, its child elements written back as tags. */
export function innerMarkup(node: XNode): string {
  if (node.children.every((c) => typeof c === 'string')) return node.children.join('');
  let out = '';
  const walk = (n: XNode) => {
    for (const c of n.children) {
      if (typeof c === 'string') out += escapeText(c);
      else {
        out += `<${c.local}${Object.entries(c.attrs).filter(([k]) => !k.startsWith('xmlns')).map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join('')}>`;
        walk(c);
        out += `</${c.local}>`;
      }
    }
  };
  walk(node);
  return out;
}
