import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import { FeedRepo } from '../src/db/feeds.js';

/**
 * The whole path of a poll (fetch, parse, store, topics, term statistics, page fetches for thin
 * on-topic items, stories, summaries) on `feeds` local feeds × `items` items, ~5% on the topic,
 * half of those thin with a page served locally. Fresh database. Prints articles/s, CPU seconds,
 * peak RSS and the split by stage.
 */
export async function benchPipeline(feeds = 1000, items = 50): Promise<void> {
  // The feeds are served by another process, so the CPU and memory measured are the pipeline's.
  const farm = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./pipeline-feeds.ts', import.meta.url)), String(items)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    farm.once('error', reject);
    farm.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
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
  farm.kill();
  rmSync(dir, { recursive: true, force: true });
}
