import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import { FeedRepo } from '../src/db/feeds.js';

/**
 * One measured run of `npm run bench -- pipeline`, in its own process so that its CPU time and
 * peak memory are its own: `pipeline-run.ts <database> <feed port> <feeds>`. Polls the local
 * feeds once into the database (fresh or pre-filled) and processes until nothing waits, then
 * prints one JSON line.
 */
const [db, portArg, feedsArg] = process.argv.slice(2);
const port = Number(portArg);
const feeds = Number(feedsArg ?? 1000);
const base = loadConfig(path.resolve('config/default.yaml'), {});
const file = `${db}.yaml`;
writeFileSync(file, stringify({ database: db, topics: base.topics, feeds: [], fetch: { allowHosts: [`127.0.0.1:${port}`], pageBudget: 10_000 } }));
const app = await createApp(loadConfig(file, {}), silentLogger);
const sqlite = app.db.sqlite;
if (!sqlite) throw new Error('pipeline-run measures an SQLite file');
const repo = new FeedRepo(app.db);
for (let f = 0; f < feeds; f++) await repo.add(`http://127.0.0.1:${port}/feed/${f}.xml`, 'user', 0);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
import { Session } from 'node:inspector/promises';
const __s = new Session(); __s.connect();
await __s.post('Profiler.enable'); await __s.post('Profiler.setSamplingInterval', { interval: 500 }); await __s.post('Profiler.start');
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
const wallS = (performance.now() - t0) / 1000;
{ const { profile } = await __s.post('Profiler.stop'); (await import('node:fs')).writeFileSync('/tmp/prof/win.cpuprofile', JSON.stringify(profile)); }
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
const stages = Object.fromEntries(
  (await app.metrics.stageDuration.get()).values.filter((v) => v.metricName?.endsWith('_sum')).map((v) => [String(v.labels.stage), Number(v.value)]),
);
const q = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
const since = Date.UTC(2026, 2, 1);
console.log(
  JSON.stringify({
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    peakRssMb: peakRss / 1048576,
    processed,
    onTopic: q(`SELECT count(*) FROM article_topics t JOIN articles a ON a.id = t.article_id WHERE t.relevant = 1 AND a.published_at >= ${since}`),
    pages: q(`SELECT count(*) FROM articles WHERE page_text IS NOT NULL AND published_at >= ${since}`),
    stories: q(`SELECT count(*) FROM stories WHERE last_published >= ${since}`),
    articles: q('SELECT count(*) FROM articles'),
    stages,
  }),
);
await app.close();
