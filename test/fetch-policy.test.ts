import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer, rss } from './helpers/feed-server.js';
import { sqliteOf, tempDir, writeConfig } from './helpers/app.js';
import { AddressPolicy } from '../src/ingest/address-policy.js';
import { loadConfig } from '../src/config/load.js';
import { createApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';

const SECRET = 'INTERNAL-SECRET admin password hunter2';
const secretPage = `<!DOCTYPE html><html><body><article><h1>Internal</h1>${`<p>${SECRET}. Patriot air defense Ukraine missile systems internal notes for operators only, not to be shared.</p>`.repeat(4)}</article></body></html>`;
const THIN = 'Patriot air defense for Ukraine.';
const day = (h: number) => `Tue, 03 Mar 2026 ${String(h).padStart(2, '0')}:00:00 GMT`;

async function appWithLog(overrides: Record<string, unknown>): Promise<{ app: App; lines: string[]; cleanup(): Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = await createApp(loadConfig(writeConfig(dir, overrides), {}), createLogger({ level: 'info', destination }));
  return {
    app,
    lines,
    cleanup: async () => {
      await app.close();
      cleanup();
    },
  };
}

describe('address policy', () => {
  const policy = new AddressPolicy(['10.1.0.0/16', 'intranet.example:8443']);
  it('refuses loopback, private, link-local (metadata), CGNAT, multicast and unspecified addresses, in both families', () => {
    for (const a of ['127.0.0.1', '10.0.0.8', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '224.0.0.1', '0.0.0.0', '::1', '::ffff:127.0.0.1', 'fd00::1', 'fe80::1', '::']) {
      expect(policy.internal(a), a).toBeDefined();
    }
    for (const a of ['93.184.216.34', '2606:4700:4700::1111', '8.8.8.8']) expect(policy.internal(a), a).toBeUndefined();
  });
  it('lets the operator allow a range or a host and port', () => {
    expect(policy.internal('10.1.2.3')).toBeUndefined();
    expect(() => policy.check(new URL('http://10.1.2.3/x'))).not.toThrow();
    expect(() => policy.check(new URL('http://10.2.0.1/x'))).toThrow(/10\.2\.0\.1 is a private address/);
    expect(policy.allowsHost('intranet.example', '8443')).toBe(true);
    expect(policy.allowsHost('intranet.example', '80')).toBe(false);
  });
  it('fetches http and https only', () => {
    expect(() => policy.check(new URL('file:///etc/passwd'))).toThrow(/only http and https/);
    expect(() => policy.check(new URL('ftp://example.org/'))).toThrow(/only http and https/);
    expect(() => policy.check(new URL('http://[::1]:8080/'))).toThrow(/loopback/);
  });
});

describe('article pages never reach internal addresses', () => {
  const feeds = new FeedServer();
  const internal = new FeedServer();
  let env: Awaited<ReturnType<typeof appWithLog>>;
  beforeAll(async () => {
    await feeds.start();
    await internal.start();
    internal.route('/secret.html', { headers: { 'content-type': 'text/html' }, body: secretPage });
    feeds.route('/redirect', { status: 302, headers: { location: internal.url('/secret.html') } });
    feeds.route('/feed.xml', {
      body: rss('Wire', [
        { title: 'Germany pledges Patriot battery to Ukraine', link: internal.url('/secret.html'), guid: 'a', date: day(9), description: THIN },
        { title: 'Netherlands buys PAC-3 interceptors for Ukraine', link: `http://localhost:${internal.port}/secret.html`, guid: 'b', date: day(10), description: THIN },
        { title: 'Spain sends Patriot launchers to Ukraine', link: feeds.url('/redirect'), guid: 'c', date: day(11), description: THIN },
      ]),
    });
    // The feed server is allowed (the operator's choice); the other loopback server is not.
    env = await appWithLog({ articles: { fetchPages: true, minTextChars: 400 }, fetch: { allowHosts: [`127.0.0.1:${feeds.port}`] }, feeds: [{ url: feeds.url('/feed.xml') }] });
  });
  afterAll(async () => {
    await env?.cleanup();
    await feeds.stop();
    await internal.stop();
  });

  it('refuses a link to 127.0.0.1, to localhost, and a redirect to 127.0.0.1; logs why; the secret reaches no story', async () => {
    const report = await env.app.pipeline.poll();
    expect(report.relevantArticles).toBe(3);
    expect(report.pendingArticles).toBe(0);
    expect(internal.requests).toHaveLength(0);
    expect(feeds.hits('/redirect')).toBe(1);
    const rows = sqliteOf(env.app).prepare('SELECT page_text, page_error FROM articles ORDER BY id').all() as { page_text: string | null; page_error: string }[];
    expect(rows.map((r) => r.page_text)).toEqual([null, null, null]);
    expect(rows[0]!.page_error).toMatch(/^refused to fetch http:\/\/127\.0\.0\.1:\d+\/secret\.html: 127\.0\.0\.1 is a loopback address/);
    expect(rows[1]!.page_error).toMatch(/^refused to fetch http:\/\/localhost:\d+\/secret\.html: .*localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(rows[2]!.page_error).toMatch(/^refused to fetch http:\/\/127\.0\.0\.1:\d+\/secret\.html/);
    expect(env.lines.filter((l) => l.includes('article page not fetched: refused'))).toHaveLength(3);
    const text = (sqliteOf(env.app).prepare("SELECT group_concat(title || ' ' || summary, ' ') FROM stories").pluck().get() as string) ?? '';
    expect(text).not.toContain('hunter2');
    expect(text).toContain('Patriot');
  });
});

describe('a slow article server delays only its own articles', () => {
  const server = new FeedServer();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let env: Awaited<ReturnType<typeof appWithLog>>;
  beforeAll(async () => {
    await server.start();
    // Every page request is held open until the test releases it (then 404).
    for (let i = 0; i < 20; i++) server.route(`/slow/${i}`, { handler: () => ({ status: 404, wait: held }) });
    server.route('/thin.xml', {
      body: rss('Thin Wire', Array.from({ length: 20 }, (_, i) => ({ title: `Patriot air defense report ${i} from Ukraine front line ${i}`, link: server.url(`/slow/${i}`), guid: `t${i}`, date: day(8), description: THIN }))),
    });
    server.route('/rich.xml', {
      body: rss('Rich Wire', [{ title: 'Russia warns Japan over Patriot missile transfer', link: 'https://example.org/rich', guid: 'r', date: day(9), description: 'Moscow said the transfer of Patriot interceptors would harm relations. '.repeat(8) }]),
    });
    env = await appWithLog({ articles: { fetchPages: true, minTextChars: 400 }, fetch: { allowHosts: [`127.0.0.1:${server.port}`], pageConcurrency: 4 }, feeds: [{ url: server.url('/thin.xml') }, { url: server.url('/rich.xml') }] });
  });
  afterAll(async () => {
    release();
    await env?.cleanup();
    await server.stop();
  });

  it('returns without waiting for the pages, processes the rest, and finishes the thin articles once their pages end', async () => {
    const first = await env.app.pipeline.poll(undefined, { pageWaitMs: 0 });
    expect(first.feeds.every((f) => f.status === 'ok')).toBe(true);
    expect(first.newArticles).toBe(21);
    expect(first.processedArticles).toBe(1);
    expect(first.pendingArticles).toBe(20);
    // The page pool has 4 connections: the other pages are queued, not opened.
    expect(server.requests.filter((r) => r.path.startsWith('/slow/')).length).toBeLessThanOrEqual(4);
    release();
    await env.app.pipeline.pages.drain();
    const second = await env.app.pipeline.processPending();
    expect(second.processedArticles).toBe(20);
    expect(second.pendingArticles).toBe(0);
    const failed = sqliteOf(env.app).prepare("SELECT count(*) FROM articles WHERE page_error = 'HTTP 404 Not Found'").pluck().get();
    expect(failed).toBe(20);
  });
});
