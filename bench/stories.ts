import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadEcbPlus, loadGoogleNews, type LabelledDoc } from '../src/eval/stories.js';
import { IdfModel } from '../src/stories/idf.js';
import { StoryClusterer } from '../src/stories/clusterer.js';
import { docFeatures, docTerms } from '../src/stories/features.js';
import { EventModel } from '../src/stories/event-model.js';
import { ThreadTracker } from '../src/stories/threads.js';
import { TopicWeights } from '../src/stories/weights.js';

const DAY = 86_400_000;
/** Articles per poll. */
const POLL = 200;

interface Run {
  ms: number;
  perArticleUs: number;
  featuresUs: number;
  storiesUs: number;
  threadsUs: number;
  maxActive: number;
}

/**
 * What grouping costs per article, as the pipeline pays it: features (tokenizing, stemming, the
 * copy fingerprint), term statistics, story assignment and thread assignment.
 * - Headlines: the 11,109 Google News titles spread over one week, then the same rows 4 times
 *   over, each copy 30 days later (44,436 rows): with a 7-day window the cost per article must
 *   stay flat.
 * - Full text: the 982 ECB+ articles (title + body, median 1,300 characters), dated over one
 *   week, and 4 times over the same way.
 */
export async function benchStories(corpus = path.resolve('../shared/corpus')): Promise<void> {
  const gn = path.join(corpus, 'eval/stories-googlenews.jsonl');
  const ecb = path.join(corpus, 'eval/ecbplus.jsonl');
  if (!existsSync(gn) || !existsSync(ecb)) {
    console.log(`stories: skipped (${gn} or ${ecb} not found)`);
    return;
  }
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const dated = (rows: LabelledDoc[], copies: number): LabelledDoc[] =>
    Array.from({ length: copies }, (_, c) => rows.map((r, i) => ({ ...r, id: c * rows.length + i + 1, publishedAt: t0 + c * 30 * DAY + Math.floor((i * 7 * DAY) / rows.length) }))).flat();
  const run = (docs: LabelledDoc[]): Run => {
    const model = new EventModel();
    const idf = new IdfModel();
    const started = performance.now();
    let maxActive = 0;
    const weights = new TopicWeights(idf, idf);
    const clusterer = new StoryClusterer(weights, { windowMs: 7 * DAY, model });
    const threads = new ThreadTracker(weights, { windowMs: 7 * DAY, threshold: 0.25, mergeThreshold: 0.19 });
    let featureMs = 0, storyMs = 0, threadMs = 0;
    // As the pipeline does: a poll's articles teach the term statistics, then are grouped.
    for (let start = 0; start < docs.length; start += POLL) {
      const batch = docs.slice(start, start + POLL);
      const f0 = performance.now();
      const features = batch.map((d) => docFeatures(d));
      for (const f of features) idf.observe(docTerms(f));
      featureMs += performance.now() - f0;
      batch.forEach((d, i) => {
        const s0 = performance.now();
        clusterer.add(d, features[i]);
        const s1 = performance.now();
        threads.add(d.id, features[i]!);
        threadMs += performance.now() - s1;
        storyMs += s1 - s0;
        maxActive = Math.max(maxActive, clusterer.activeStories);
      });
    }
    const ms = performance.now() - started;
    const us = (x: number) => (x * 1000) / docs.length;
    return { ms, perArticleUs: us(ms), featuresUs: us(featureMs), storiesUs: us(storyMs), threadsUs: us(threadMs), maxActive };
  };
  const report = (name: string, rows: LabelledDoc[]) => {
    run(dated(rows, 1).slice(0, 2000)); // warm-up (JIT)
    const small = run(dated(rows, 1));
    const large = run(dated(rows, 4));
    console.log(`  ${name}: ${rows.length} articles: ${(small.ms / 1000).toFixed(2)} s, ${small.perArticleUs.toFixed(0)} µs/article = features and term statistics ${small.featuresUs.toFixed(0)} + story ${small.storiesUs.toFixed(0)} + thread ${small.threadsUs.toFixed(0)} µs; ${small.maxActive} active stories at most`);
    console.log(`  ${name}: grouping (features + story) ${(small.featuresUs + small.storiesUs).toFixed(0)} µs/article`);
    console.log(`  ${name}: ${rows.length * 4} articles (×4, +30 days each): ${(large.ms / 1000).toFixed(2)} s, ${large.perArticleUs.toFixed(0)} µs/article, ${large.maxActive} active stories at most`);
    console.log(`  ${name}: per-article cost ratio ×4/×1: ${(large.perArticleUs / small.perArticleUs).toFixed(2)}× (target ≤ 1.5×)`);
  };
  console.log('stories: grouping cost per article (features + term statistics + story and thread assignment), 7-day window');
  report('headlines (Google News titles)', loadGoogleNews(gn));
  report('full text (ECB+ title + body)', loadEcbPlus(ecb, true));
}
