import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadGoogleNews } from '../src/eval/stories.js';
import { IdfModel } from '../src/stories/idf.js';
import { StoryClusterer, type ClusterDoc } from '../src/stories/clusterer.js';
import { analyse } from '../src/stories/nlp.js';

const DAY = 86_400_000;

/**
 * Clustering cost against work size: the 11,109 Google News rows spread over one week, then the
 * same rows 4 times over, each copy 30 days later (44,436 rows). With a 7-day window the cost per
 * article should stay flat.
 */
export async function benchStories(corpus = path.resolve('../shared/corpus')): Promise<void> {
  const file = path.join(corpus, 'eval/stories-googlenews.jsonl');
  if (!existsSync(file)) {
    console.log(`stories: skipped (${file} not found)`);
    return;
  }
  const rows = loadGoogleNews(file);
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const dated = (copies: number): ClusterDoc[] =>
    Array.from({ length: copies }, (_, c) => rows.map((r, i) => ({ ...r, id: c * rows.length + i + 1, publishedAt: t0 + c * 30 * DAY + Math.floor((i * 7 * DAY) / rows.length) }))).flat();
  const run = (docs: ClusterDoc[]) => {
    const idf = new IdfModel();
    for (const d of docs.slice(0, rows.length)) {
      const a = analyse(d.title);
      idf.observe([...a.terms, ...a.entities]);
    }
    const clusterer = new StoryClusterer(idf, { windowMs: 7 * DAY, threshold: 0.25, mergeThreshold: 0.19 });
    const started = performance.now();
    let maxActive = 0;
    for (const d of docs) {
      clusterer.add(d);
      maxActive = Math.max(maxActive, clusterer.activeStories);
    }
    const ms = performance.now() - started;
    return { ms, perArticleUs: (ms * 1000) / docs.length, maxActive };
  };
  run(dated(1).slice(0, 2000)); // warm-up (JIT, wink model)
  const small = run(dated(1));
  const large = run(dated(4));
  console.log(`stories: online clustering of Google News titles (features + assignment), 7-day window`);
  console.log(`  ${rows.length} rows: ${(small.ms / 1000).toFixed(2)} s, ${small.perArticleUs.toFixed(0)} µs/article, ${small.maxActive} active stories at most`);
  console.log(`  ${rows.length * 4} rows (×4, +30 days each): ${(large.ms / 1000).toFixed(2)} s, ${large.perArticleUs.toFixed(0)} µs/article, ${large.maxActive} active stories at most`);
  console.log(`  per-article cost ratio 44k/11k: ${(large.perArticleUs / small.perArticleUs).toFixed(2)}× (target ≤ 1.5×)`);
}
