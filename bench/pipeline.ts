import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import { FeedRepo } from '../src/db/feeds.js';

const PAGE = (i: number) =>
  `<!DOCTYPE html><html><body><article><h1>Report ${i}</h1>${Array.from({ length: 6 }, (_, p) => `<p>Paragraph ${p} of report ${i}: officials said the Patriot air defense battery would reach Ukraine within weeks, with crews trained abroad and interceptors drawn from existing stocks.</p>`).join('')}</article></body></html>`;

const countries = ['Germany', 'Japan', 'Spain', 'the Netherlands', 'Romania', 'Sweden', 'Norway', 'Poland', 'Denmark', 'Canada', 'Italy', 'Greece'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine', 'trains Ukrainian Patriot crews', 'delivers IRIS-T launchers to Ukraine'];
const other = ['Council approves new bus lanes', 'Football club signs striker', 'Bakery wins regional prize', 'Storm closes mountain roads', 'Museum opens modern art wing', 'Central bank holds rates'];

/**
 * The whole path of a poll (fetch, parse, store, topics, term statistics, page fetches for thin
 * on-topic items, stories, summaries) on `feeds` local feeds × `items` items, ~5% on the topic,
 * half of those thin with a page served locally. Fresh database. Prints articles/s, CPU seconds,
 * peak RSS and the split by stage.
 */
export async function benchPipeline(feeds = 1000, items = 50): Promise<void> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const page = /^\/page\/(\d+)$/.exec(url);
    if (page) return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(Number(page[1])));
    const f = Number(/^\/feed\/(\d+)\.xml$/.exec(url)?.[1]);
    if (!Number.isInteger(f)) return void res.writeHead(404).end();
    const body = Array.from({ length: items }, (_, j) => {
      const n = f * items + j;
      const on = n % 20 === 0;
      const thin = on && n % 40 === 0;
      const title = on ? `${countries[(n / 20) % countries.length]} ${acts[Math.floor(n / 240) % acts.length]}` : `${other[n % other.length]} (${f}-${j})`;
      const description = thin ? 'Patriot air defense for Ukraine.' : `${title}. Officials gave details of the plan, its cost and its timing to reporters on ${n % 7 === 0 ? 'Monday' : 'Tuesday'}, saying more would follow.`;
      const link = thin ? `http://127.0.0.1:${port}/page/${n}` : `https://n${f}.example/${j}`;
      return `<item><title>${title}</title><link>${link}</link><guid>f${f}-${j}</guid><pubDate>${new Date(Date.UTC(2026, 2, 1) + (n % 4000) * 120_000).toUTCString()}</pubDate><description>${description}</description></item>`;
    }).join('');
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Desk ${f}</title>${body}</channel></rss>`);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-pipe-'));
  const base = loadConfig(path.resolve('config/default.yaml'), {});
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, stringify({ database: path.join(dir, 'pipe.db'), topics: base.topics, feeds: [], fetch: { allowHosts: [`127.0.0.1:${port}`], pageBudget: 10_000 } }));
  const app = createApp(loadConfig(file, {}), silentLogger);
  const repo = new FeedRepo(app.db);
  for (let f = 0; f < feeds; f++) repo.add(`http://127.0.0.1:${port}/feed/${f}.xml`, 'user', 0);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let report = await app.pipeline.poll();
  let processed = report.processedArticles;
  // Runs are bounded per call: go on until nothing waits (as the worker's next ticks would).
  while (report.pendingArticles > 0) {
    const more = await app.pipeline.processPending();
    processed += more.processedArticles;
    if (!more.processedArticles) break;
    report = { ...report, pendingArticles: more.pendingArticles };
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const stages = (await app.metrics.stageDuration.get()).values.filter((v) => v.metricName?.endsWith('_sum')).map((v) => `${v.labels.stage} ${Number(v.value).toFixed(1)} s`);
  const q = (sql: string) => app.db.prepare(sql).pluck().get() as number;
  console.log(`pipeline: ${feeds} feeds × ${items} items (${feeds * items} items, ~5% on topic, half of those thin with a local page), fresh database`);
  console.log(`  ${(wall).toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU: ${Math.round((feeds * items) / cpuS)} articles per CPU second; peak RSS ${(peakRss / 1048576).toFixed(0)} MB`);
  console.log(`  ${processed} processed, ${q('SELECT count(*) FROM article_topics WHERE relevant = 1')} on topic, ${q('SELECT count(*) FROM articles WHERE page_text IS NOT NULL')} pages fetched, ${q('SELECT count(*) FROM stories')} stories`);
  console.log(`  by stage (wall): ${stages.join(', ')}`);
  app.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
