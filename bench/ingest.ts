import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/db/store.js';
import { FeedRepo } from '../src/db/feeds.js';
import { Poller } from '../src/ingest/poller.js';
import { silentLogger } from '../src/logger.js';

/** 1,000 feeds × 50 items from a local server: first poll, then a poll where every feed answers 304. */
export async function benchIngest(feedCount = 1000, itemsPerFeed = 50): Promise<void> {
  const bodies = new Map<string, string>();
  for (let f = 0; f < feedCount; f++) {
    const items = Array.from({ length: itemsPerFeed }, (_, i) => `<item><title>Feed ${f} story ${i}: Patriot interceptors for Ukraine</title><link>http://bench.example/${f}/${i}?utm_source=rss</link><guid>f${f}-i${i}</guid><pubDate>${new Date(Date.UTC(2026, 0, 1, 0, i)).toUTCString()}</pubDate><description>&lt;p&gt;Story ${i} of feed ${f}: air defense news with some text to parse and store.&lt;/p&gt;</description></item>`).join('');
    bodies.set(`/feed/${f}.xml`, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed ${f}</title><link>http://bench.example/</link>${items}</channel></rss>`);
  }
  const server = http.createServer((req, res) => {
    if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
    const body = bodies.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: '"v1"' }).end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-bench-'));
  const db = Store.openSqlite(path.join(dir, 'bench.db'));
  const feeds = new FeedRepo(db);
  for (let f = 0; f < feedCount; f++) await feeds.add(`http://127.0.0.1:${port}/feed/${f}.xml`, 'user', Date.now());
  const poller = new Poller(db, { limits: { timeoutMs: 20_000, maxBytes: 5 << 20, maxRedirects: 5, userAgent: 'bench' }, concurrency: 8, defaultIntervalMs: 900_000, maxBackoffMs: 21_600_000 }, silentLogger);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  let t = performance.now();
  const first = await poller.pollAll();
  const firstMs = performance.now() - t;
  const stored = first.reduce((n, r) => n + r.newIds.length, 0);
  t = performance.now();
  const second = await poller.pollAll();
  const secondMs = performance.now() - t;
  clearInterval(sampler);
  const notModified = second.filter((r) => r.status === 'not-modified').length;
  console.log(`ingest: ${feedCount} feeds × ${itemsPerFeed} items (${feedCount * itemsPerFeed} items), concurrency 8, local HTTP`);
  console.log(`  first poll:  ${(firstMs / 1000).toFixed(2)} s wall, ${stored} articles stored, ${Math.round(stored / (firstMs / 1000))} articles/s, errors ${first.filter((r) => r.status === 'error').length}`);
  console.log(`  second poll (all 304): ${(secondMs / 1000).toFixed(2)} s wall, ${notModified}/${feedCount} not modified`);
  console.log(`  peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((r) => server.close(() => r()));
}
