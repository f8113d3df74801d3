import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/db/store.js';
import { FeedRepo } from '../src/db/feeds.js';
import { ArticleRepo } from '../src/db/articles.js';
import { StoryRepo } from '../src/db/stories.js';
import { IdfStore } from '../src/db/idf-store.js';
import { StoryService } from '../src/stories/service.js';
import { loadConfig } from '../src/config/load.js';
import { loadEcbPlus } from '../src/eval/stories.js';

/**
 * The summary of one story growing from 1 to 1,000 articles, one at a time, through the
 * pipeline's own path (story tables in SQLite, StoryService.summarise): the cost of each update
 * must not grow with the story. Texts: ECB+ articles (title + body), else generated ones.
 */
export async function benchSummaries(corpus = path.resolve('../shared/corpus'), n = 1000): Promise<void> {
  const ecb = path.join(corpus, 'eval/ecbplus.jsonl');
  const docs = existsSync(ecb) ? loadEcbPlus(ecb, true) : [];
  const text = (i: number) => {
    const d = docs[i % Math.max(1, docs.length)];
    return d ? { title: d.title, body: d.lead } : { title: `Germany pledges Patriot battery to Ukraine, report ${i}`, body: `Berlin will send a Patriot system to Ukraine, officials said on day ${i}. `.repeat(8) };
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-sum-'));
  const db = Store.openSqlite(path.join(dir, 'sum.db'));
  const config = loadConfig(path.resolve('config/default.yaml'), {});
  const feed = (await new FeedRepo(db).add('https://bench.example/feed', 'user', 0)).feed;
  const articles = new ArticleRepo(db);
  const stories = new StoryRepo(db);
  const service = new StoryService(db, await new IdfStore(db).load(), config.topics, { windowMs: 7 * 86_400_000, threads: { threshold: 0.25, mergeThreshold: 0.19 } });
  const storyId = (await stories.reserveIds(1))[0]!;
  await stories.create(storyId, 'patriot-ukraine', 'bench', 0, 0);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = text(i);
    const { id } = await articles.upsert(feed.id, { guid: `g${i}`, url: `https://bench.example/${i}`, link: `https://bench.example/${i}`, title: t.title, description: '', content: t.body, author: null, source: `Outlet ${i % 40}`, publishedAt: i * 60_000, contentHash: String(i) }, i * 60_000);
    await stories.addMembers([{ storyId, articleId: id, similarity: 1, reason: 'similar' }], i);
    await stories.refresh([storyId], i);
    const started = performance.now();
    await service.summarise([storyId]);
    ms.push(performance.now() - started);
  }
  const at = (k: number) => ms.slice(Math.max(0, k - 5), k + 5).reduce((a, b) => a + b, 0) / Math.min(10, ms.slice(Math.max(0, k - 5), k + 5).length);
  const total = ms.reduce((a, b) => a + b, 0);
  console.log(`summaries: one story growing to ${n} articles (${docs.length ? 'ECB+ texts' : 'generated texts'}), summarised after each: ${(total / 1000).toFixed(2)} s in all`);
  console.log(`  the 10th article: ${at(10).toFixed(2)} ms, the 100th: ${at(100).toFixed(2)} ms, the ${n}th: ${at(n - 1).toFixed(2)} ms (${(at(n - 1) / at(10)).toFixed(2)}× the 10th; target ≤ 3×); first half ${(ms.slice(0, n / 2).reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s, second half ${(ms.slice(n / 2).reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s`);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
