import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { startWorker } from '../src/worker.js';

const countries = ['Germany', 'Japan', 'Spain', 'the Netherlands', 'Romania', 'Sweden', 'Norway', 'Poland', 'Denmark', 'Canada'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine', 'trains Ukrainian Patriot crews'];

/**
 * The worker for `minutes` (default 10, `SOAK_MINUTES`) against 50 local feeds that each grow by
 * 10 items a minute (keeping their latest 30), polled every minute, with retention at 3 minutes
 * so pruning runs during the soak. Prints RSS and heap at start, after warm-up and at the end.
 */
export async function benchSoak(minutes = Number(process.env.SOAK_MINUTES ?? 10)): Promise<void> {
  const FEEDS = 50;
  const started = Date.now();
  const server = http.createServer((req, res) => {
    const f = Number(/\/f(\d+)\.xml/.exec(req.url ?? '')?.[1]);
    if (!Number.isInteger(f)) return void res.writeHead(404).end();
    const minute = Math.floor((Date.now() - started) / 60_000);
    const n = (minute + 1) * 10;
    const items = [];
    for (let j = Math.max(0, n - 30); j < n; j++) {
      const on = j % 4 !== 3;
      const title = on ? `${countries[(f + j) % countries.length]} ${acts[j % acts.length]} (${f}-${j})` : `Local council approves bus lane ${f}-${j}`;
      items.push(`<item><title>${title}</title><link>https://n${f}.example/${j}</link><guid>f${f}-${j}</guid><pubDate>${new Date(started + j * 6_000).toUTCString()}</pubDate><description>${title}. Officials gave details on the plan and its timing.</description></item>`);
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Desk ${f}</title>${items.join('')}</channel></rss>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-soak-'));
  const base = loadConfig(path.resolve('config/default.yaml'), {});
  const file = path.join(dir, 'config.yaml');
  writeFileSync(
    file,
    stringify({
      database: path.join(dir, 'soak.db'),
      http: { port: 0 },
      polling: { interval: '1m', tick: '*/10 * * * * *' },
      retention: { maxAge: '3m' },
      articles: { fetchPages: false },
      topics: base.topics,
      feeds: Array.from({ length: FEEDS }, (_, f) => ({ url: `http://127.0.0.1:${port}/f${f}.xml` })),
    }),
  );
  const app = await createApp(loadConfig(file, {}), createLogger({ level: 'warn' }));
  const sqlite = app.db.sqlite;
  if (!sqlite) throw new Error('the soak reads its SQLite file');
  const worker = await startWorker(app, { port: 0, retentionTick: '*/30 * * * * *' });
  const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  const sample = (label: string) => {
    global.gc?.();
    const m = process.memoryUsage();
    const q = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
    console.log(`  ${label}: RSS ${mb(m.rss)}, heap used ${mb(m.heapUsed)}; articles kept ${q('SELECT count(*) FROM articles')}, seen ${q('SELECT max(id) FROM articles') ?? 0}, unprocessed ${q('SELECT count(*) FROM articles WHERE processed_at IS NULL')}, stories ${q('SELECT count(*) FROM stories')}, terms ${q('SELECT count(*) FROM term_df')}`);
    return m.rss;
  };
  console.log(`soak: the worker for ${minutes} min, ${FEEDS} feeds growing 10 items/min each, polled every minute, retention 3 min`);
  const startRss = sample('start');
  const rss: number[] = [];
  await new Promise<void>((resolve) => {
    let elapsed = 0;
    const timer = setInterval(() => {
      elapsed++;
      rss.push(sample(`${elapsed} min`));
      if (elapsed >= minutes) {
        clearInterval(timer);
        resolve();
      }
    }, 60_000);
  });
  await worker.stop();
  const warm = rss[Math.min(2, rss.length - 1)]!;
  console.log(`  RSS: start ${mb(startRss)}, after warm-up (3 min) ${mb(warm)}, end ${mb(rss[rss.length - 1]!)} (end/warm-up ${(rss[rss.length - 1]! / warm).toFixed(2)}×)`);
  await app.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
