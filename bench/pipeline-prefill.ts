import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import { FeedRepo } from '../src/db/feeds.js';
import { ArticleRepo } from '../src/db/articles.js';
import { normaliseItem, type NormalisedItem } from '../src/ingest/normalise.js';
import type { ParsedItem } from '../src/ingest/parse.js';

/**
 * Builds the pre-filled database of `npm run bench -- pipeline`: `pipeline-prefill.ts <database>
 * <articles>`. A year of stored, processed articles from 100 feeds (the last week of them a
 * normal recent history), and 20 long-running on-topic stories of 1,000 reports each in the week
 * before the bench's feeds begin, grouped by the pipeline itself. Stored through the project's
 * repositories and item normaliser; the long stories through the whole processing path.
 */
const [db, countArg] = process.argv.slice(2);
const total = Number(countArg ?? 1_000_000);
const start = Date.UTC(2026, 2, 1); // where the bench's feeds begin
const DAY = 86_400_000;
const base = loadConfig(path.resolve('config/default.yaml'), {});
const file = `${db}.yaml`;
writeFileSync(file, stringify({ database: db, topics: base.topics, feeds: [], fetch: { allowHosts: [], pageBudget: 0 }, articles: { fetchPages: false } }));
const app = await createApp(loadConfig(file, {}), silentLogger);
const sqlite = app.db.sqlite;
if (!sqlite) throw new Error('pipeline-prefill builds an SQLite file');
const feeds = new FeedRepo(app.db);
const urls = Array.from({ length: 100 }, (_, i) => ({ url: `https://prefill-${i}.example/feed.xml`, title: `Archive desk ${i}` }));
await feeds.seed(urls, start);
const feedIds: number[] = [];
for (const u of urls) feedIds.push((await feeds.byUrl(u.url))!.id);
const subjects = ['Council approves new bus lanes', 'Football club signs striker', 'Bakery wins regional prize', 'Storm closes mountain roads', 'Museum opens modern art wing', 'Central bank holds rates', 'School opens new library', 'Hospital extends visiting hours'];
function normalise(item: ParsedItem) {
  const n = normaliseItem(item, 'https://prefill.example/feed.xml', start);
  if (!n) throw new Error(`bench item refused: ${item.title}`);
  return n;
}
const t0 = performance.now();
/** Articles per write transaction: a few large ones. */
const CHUNK = 100_000;
const insert = (from: number, to: number) =>
  app.db.transaction(async (tx) => {
    const articles = new ArticleRepo(tx);
    // One batched upsert per feed: each feed's items of the chunk at once.
    const byFeed: NormalisedItem[][] = feedIds.map(() => []);
    for (let n = from; n < to; n++) {
      // 10% in the week before the bench's items, the rest over the year before.
      const at = n % 10 === 0 ? start - 1 - (n % (7 * 1440)) * 60_000 : start - 8 * DAY - (n % 357) * DAY - (n % 1440) * 60_000;
      const title = `${subjects[n % subjects.length]} (${n})`;
      byFeed[n % 100]!.push(normalise({ title, link: `https://prefill-${n % 100}.example/${n}`, guid: `p${n}`, isoDate: new Date(at).toISOString(), description: `${title}. Details were given to reporters on ${new Date(at).toUTCString().slice(0, 16)}.` }));
    }
    for (let f = 0; f < feedIds.length; f++) {
      const stored = await articles.upsertMany(feedIds[f]!, byFeed[f]!, start);
      await articles.markProcessed(stored.map((r) => r.id), start);
    }
  });
for (let n = 0; n < total; n += CHUNK) await insert(n, Math.min(total, n + CHUNK));
const stored = (performance.now() - t0) / 1000;

// Long-running stories: 20 events, each reported 1,000 times over the 6 days before the bench.
const countries = ['Germany', 'Japan', 'Spain', 'the Netherlands', 'Romania', 'Sweden', 'Norway', 'Poland', 'Denmark', 'Canada', 'Italy', 'Greece'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine', 'trains Ukrainian Patriot crews', 'delivers IRIS-T launchers to Ukraine'];
// One at a time, in report order: processing takes stored articles in id order, so the ids keep
// each story's reports chronological (consecutive reports come from different feeds).
await app.db.transaction(async (tx) => {
  const articles = new ArticleRepo(tx);
  for (let e = 0; e < 20; e++) {
    const title = `${countries[e % countries.length]} ${acts[e % acts.length]}`;
    for (let k = 0; k < 1000; k++) {
      const at = start - 6 * DAY + e * 3_600_000 + k * 500_000;
      await articles.upsert(feedIds[k % 100]!, normalise({ title, link: `https://prefill-${k % 100}.example/story-${e}-${k}`, guid: `s${e}-${k}`, isoDate: new Date(at).toISOString(), description: `${title}, officials in ${countries[e % countries.length]} said.` }), start);
    }
  }
});
await feeds.seed([], start); // the archive's feeds are not polled by the bench
const t1 = performance.now();
while ((await app.pipeline.processPending()).processedArticles > 0);
const grouped = (performance.now() - t1) / 1000;
const q = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
console.log(JSON.stringify({ articles: q('SELECT count(*) FROM articles'), storedS: stored, groupedS: grouped, longStories: q('SELECT count(*) FROM stories WHERE article_count >= 500'), largest: q('SELECT max(article_count) FROM stories') }));
await app.close();
