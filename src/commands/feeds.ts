import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { FeedRepo } from '../db/feeds.js';
import { resolveFileUrl } from '../config/load.js';
import { UsageError, iso, type CommandContext } from './context.js';
import { inspectUrl, type Inspection } from '../ingest/discover.js';
import { FeedError } from '../ingest/errors.js';
import { feedDeadlineMs } from '../ingest/poller.js';

const USAGE = 'usage: feeds list | feeds add URL [--force] | feeds remove ID|URL | feeds import FILE.opml';

export async function feedsCommand(ctx: CommandContext): Promise<number> {
  const [sub, arg, ...rest] = ctx.args;
  const repo = new FeedRepo(ctx.app.db);
  const now = ctx.app.clock();
  if (rest.length) throw new UsageError(`feeds: unexpected argument "${rest[0]}"; ${USAGE}`);
  switch (sub) {
    case 'list':
    case undefined: {
      const feeds = await repo.list();
      if (ctx.options.json) {
        ctx.out(JSON.stringify(feeds.map((f) => ({ id: f.id, url: f.url, title: f.title, origin: f.origin, lastStatus: f.last_status, lastError: f.last_error, errorCount: f.error_count, lastPolledAt: iso(f.last_polled_at), nextPollAt: iso(f.next_poll_at), skippedItems: f.last_skipped, skipReason: f.last_skip_reason })), null, 2));
        return 0;
      }
      if (!feeds.length) ctx.out('no feeds; add one with: feeds add URL');
      for (const f of feeds) {
        const state = f.last_status === null ? 'never polled' : f.error_count > 0 ? `FAILING ×${f.error_count}: ${f.last_error}` : `${f.last_status}${f.last_skipped ? ` (${f.last_skip_reason ?? `${f.last_skipped} items skipped`})` : ''}`;
        const origin = f.disabled_at !== null ? 'config, removed from it: not polled; `feeds remove` deletes it' : f.origin;
        ctx.out(`${String(f.id).padStart(4)}  ${f.url}${f.title ? `  (${f.title})` : ''}  [${origin}] ${state}`);
      }
      const missing = ctx.app.config.feeds.filter((c) => !feeds.some((f) => f.url === c.url)).length;
      if (missing) ctx.out(`${missing} feed${missing === 1 ? '' : 's'} of the config ${missing === 1 ? 'is' : 'are'} added at the next poll or start`);
      return 0;
    }
    case 'add': {
      const url = checkUrl(arg, 'feeds add');
      if (!ctx.options.json) return addFeed(ctx, repo, url, now);
      // --json: what the check said, and the feed rows it added.
      const before = new Set((await repo.list()).map((f) => f.id));
      const messages: string[] = [];
      const code = await addFeed({ ...ctx, out: (l) => messages.push(l) }, repo, url, now);
      const added = (await repo.list()).filter((f) => !before.has(f.id)).map((f) => ({ id: f.id, url: f.url, title: f.title, origin: f.origin }));
      ctx.out(JSON.stringify({ url, added, messages }, null, 2));
      return code;
    }
    case 'remove': {
      if (!arg) throw new UsageError('feeds remove: give the feed\'s id or URL (see: feeds list)');
      const byId = /^\d+$/.test(arg) ? await repo.byId(Number(arg)) : undefined;
      if (/^\d+$/.test(arg) && !byId) throw new UsageError(`feeds remove: no feed with id ${arg} (see: feeds list)`);
      const url = byId ? byId.url : checkUrl(arg, 'feeds remove');
      const feed = await repo.byUrl(url);
      if (!feed) throw new UsageError(`feeds remove: no feed with URL ${url} (see: feeds list)`);
      if (feed.origin === 'config' && feed.disabled_at === null) throw new UsageError(`feeds remove: ${url} comes from ${path.relative(process.cwd(), ctx.app.config.file)}; remove it there`);
      await repo.remove(url);
      ctx.out(ctx.options.json ? JSON.stringify({ removed: { id: feed.id, url } }, null, 2) : `removed ${url} and its articles`);
      return 0;
    }
    case 'import': {
      if (!arg) throw new UsageError(`feeds import: missing FILE.opml; ${USAGE}`);
      const skipped: string[] = [];
      const feeds = readOpml(arg, skipped);
      let added = 0;
      for (const f of feeds) if ((await repo.add(f.url, 'opml', now, f.title)).created) added++;
      if (ctx.options.json) {
        ctx.out(JSON.stringify({ file: arg, found: feeds.length, added, alreadyPresent: feeds.length - added, skipped }, null, 2));
        return 0;
      }
      ctx.out(`imported ${arg}: ${feeds.length} feed${feeds.length === 1 ? '' : 's'} found, ${added} added, ${feeds.length - added} already present`);
      for (const url of skipped) ctx.out(`  skipped ${url}: only http and https feeds are read`);
      return 0;
    }
    default:
      throw new UsageError(`feeds: unknown subcommand "${sub}"; ${USAGE}`);
  }
}

const EXPECTED = 'expected an RSS, Atom or RDF feed, or an HTML page that links one';

/**
 * `feeds add URL`: the URL is checked once and what was found is said ("RSS 2.0, 25 items", or
 * the feeds an HTML page links, the first of which is checked and added). A URL that is neither
 * is refused with exit code 2 and nothing is added, unless `--force`.
 */
async function addFeed(ctx: CommandContext, repo: FeedRepo, url: string, now: number): Promise<number> {
  if (await repo.byUrl(url)) {
    ctx.out(`already present: ${url}`);
    return 0;
  }
  const force = ctx.options.force === true;
  const f = ctx.app.config.fetch;
  const limits = { timeoutMs: f.timeout, maxBytes: f.maxBytes, maxRedirects: f.maxRedirects, userAgent: f.userAgent };
  const check = (target: string, trustedHost: string | undefined) =>
    inspectUrl(target, limits, { deadlineMs: feedDeadlineMs(limits), policy: { policy: ctx.app.pipeline.policy, trustedHost } });
  const refuse = async (target: string, what: string): Promise<number> => {
    if (!force) throw new UsageError(`feeds add: ${target}: ${what}; ${EXPECTED}. Nothing added (--force adds it anyway)`);
    await repo.add(target, 'user', now);
    ctx.out(`added ${target} anyway (--force), although ${what}`);
    return 0;
  };

  let found: Inspection;
  try {
    found = await check(url, hostOf(url));
  } catch (err) {
    return refuse(url, describeError(err));
  }
  if (found.kind === 'feed') {
    await repo.add(url, 'user', now);
    ctx.out(`added ${url}: ${describeFeed(found)}`);
    return 0;
  }
  if (!found.feeds.length) return refuse(url, 'it is an HTML page that links no feed (no <link rel="alternate" type="application/rss+xml"> or atom+xml)');
  ctx.out(`${url} is an HTML page; it links ${found.feeds.length === 1 ? 'this feed' : 'these feeds'}: ${found.feeds.map((l) => `${l.url} (${l.type}${l.title ? `, "${l.title}"` : ''})`).join(', ')}`);
  const [first, ...others] = found.feeds;
  const target = first!.url;
  if (await repo.byUrl(target)) {
    ctx.out(`already present: ${target}`);
    return 0;
  }
  // The page chose the feed; a feed on another host than the page's goes through the address policy.
  let linked: Inspection;
  try {
    linked = await check(target, hostOf(found.url));
  } catch (err) {
    return refuse(target, `the feed the page links failed: ${describeError(err)}`);
  }
  if (linked.kind !== 'feed') return refuse(target, 'the feed the page links is itself an HTML page');
  await repo.add(target, 'user', now);
  ctx.out(`added ${target}: ${describeFeed(linked)}`);
  if (others.length) ctx.out(`not added (add them with feeds add URL if wanted): ${others.map((o) => o.url).join(', ')}`);
  return 0;
}

function describeFeed(found: Extract<Inspection, { kind: 'feed' }>): string {
  return `${found.format}${found.title ? ` "${found.title}"` : ''}, ${found.items} ${found.items === 1 ? 'item' : 'items'}${found.repaired ? ' (XML repaired)' : ''}`;
}

function describeError(err: unknown): string {
  if (err instanceof FeedError) return err.kind === 'http' ? `the server answered ${err.message}` : err.message;
  return (err as Error).message ?? String(err);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function checkUrl(arg: string | undefined, cmd: string): string {
  if (!arg) throw new UsageError(`${cmd}: missing URL, e.g. ${cmd} https://kyivindependent.com/news-archive/rss/`);
  if (/^file:/i.test(arg)) return resolveFileUrl(arg, process.cwd());
  try {
    const u = new URL(arg);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return u.toString();
  } catch {
    // "example.com/rss": a host and a path without the scheme.
    if (/^[\w-]+(\.[\w-]+)+(:\d+)?(\/|$)/.test(arg)) throw new UsageError(`${cmd}: "${arg}" has no scheme; did you mean ${cmd} https://${arg} ?`);
    throw new UsageError(`${cmd}: "${arg}" is not an http(s): or file: URL, e.g. ${cmd} https://kyivindependent.com/news-archive/rss/`);
  }
}

/** Every `<outline xmlUrl=…>` at any depth of an OPML file (folders are flattened). */
/** The feeds of an OPML file; outlines whose xmlUrl is not http(s) go to `skipped`. */
export function readOpml(file: string, skipped: string[] = []): { url: string; title?: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`feeds import: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'outline' }).parse(text, true) as Record<string, unknown>;
  } catch (err) {
    // fast-xml-parser ends its message with ":line:col".
    const m = /^(.*?)\.?:(\d+):(\d+)$/s.exec((err as Error).message);
    throw new UsageError(`feeds import: ${file} is not valid XML: ${m ? `${m[1]} (line ${m[2]}, column ${m[3]})` : (err as Error).message}`);
  }
  const body = (doc.opml as { body?: unknown } | undefined)?.body;
  if (!body) throw new UsageError(`feeds import: ${file} is not OPML (no <opml><body>)`);
  const out: { url: string; title?: string }[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.xmlUrl === 'string') {
      if (/^https?:/i.test(o.xmlUrl.trim())) out.push({ url: o.xmlUrl.trim(), title: (o.title ?? o.text) as string | undefined });
      else skipped.push(o.xmlUrl.slice(0, 200));
    }
    for (const child of (o.outline as unknown[] | undefined) ?? []) walk(child);
  };
  walk(body);
  return out;
}
