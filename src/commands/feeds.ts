import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { FeedRepo } from '../db/feeds.js';
import { resolveFileUrl } from '../config/load.js';
import { UsageError, iso, type CommandContext } from './context.js';

const USAGE = 'usage: feeds list | feeds add URL | feeds remove URL | feeds import FILE.opml';

export async function feedsCommand(ctx: CommandContext): Promise<number> {
  const [sub, arg, ...rest] = ctx.args;
  const repo = new FeedRepo(ctx.app.db);
  const now = ctx.app.clock();
  if (rest.length) throw new UsageError(`feeds: unexpected argument "${rest[0]}"; ${USAGE}`);
  switch (sub) {
    case 'list':
    case undefined: {
      const feeds = repo.list();
      if (ctx.options.json) {
        ctx.out(JSON.stringify(feeds.map((f) => ({ id: f.id, url: f.url, title: f.title, origin: f.origin, lastStatus: f.last_status, lastError: f.last_error, errorCount: f.error_count, lastPolledAt: iso(f.last_polled_at), nextPollAt: iso(f.next_poll_at) })), null, 2));
        return 0;
      }
      if (!feeds.length) ctx.out('no feeds; add one with: feeds add URL');
      for (const f of feeds) {
        const state = f.last_status === null ? 'never polled' : f.error_count > 0 ? `FAILING ×${f.error_count}: ${f.last_error}` : f.last_status;
        ctx.out(`${String(f.id).padStart(4)}  ${f.url}${f.title ? `  (${f.title})` : ''}  [${f.origin}] ${state}`);
      }
      return 0;
    }
    case 'add': {
      const url = checkUrl(arg, 'feeds add');
      const { created } = repo.add(url, 'user', now);
      ctx.out(created ? `added ${url}` : `already present: ${url}`);
      return 0;
    }
    case 'remove': {
      const url = checkUrl(arg, 'feeds remove');
      const feed = repo.byUrl(url);
      if (!feed) throw new UsageError(`feeds remove: no feed with URL ${url} (see: feeds list)`);
      if (feed.origin === 'config') throw new UsageError(`feeds remove: ${url} comes from ${path.relative(process.cwd(), ctx.app.config.file)}; remove it there`);
      repo.remove(url);
      ctx.out(`removed ${url} and its articles`);
      return 0;
    }
    case 'import': {
      if (!arg) throw new UsageError(`feeds import: missing FILE.opml; ${USAGE}`);
      const feeds = readOpml(arg);
      let added = 0;
      for (const f of feeds) if (repo.add(f.url, 'opml', now, f.title).created) added++;
      ctx.out(`imported ${arg}: ${feeds.length} feeds found, ${added} added, ${feeds.length - added} already present`);
      return 0;
    }
    default:
      throw new UsageError(`feeds: unknown subcommand "${sub}"; ${USAGE}`);
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
    throw new UsageError(`${cmd}: "${arg}" is not an http(s): or file: URL, e.g. ${cmd} https://kyivindependent.com/news-archive/rss/`);
  }
}

/** Every `<outline xmlUrl=…>` at any depth of an OPML file (folders are flattened). */
export function readOpml(file: string): { url: string; title?: string }[] {
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
    throw new UsageError(`feeds import: ${file} is not valid XML: ${(err as Error).message}`);
  }
  const body = (doc.opml as { body?: unknown } | undefined)?.body;
  if (!body) throw new UsageError(`feeds import: ${file} is not OPML (no <opml><body>)`);
  const out: { url: string; title?: string }[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.xmlUrl === 'string' && /^https?:/i.test(o.xmlUrl)) out.push({ url: o.xmlUrl, title: (o.title ?? o.text) as string | undefined });
    for (const child of (o.outline as unknown[] | undefined) ?? []) walk(child);
  };
  walk(body);
  return out;
}
