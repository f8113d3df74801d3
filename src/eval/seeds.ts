import type { LoadedConfig } from '../config/load.js';
import { stripBoilerplate } from '../ingest/boilerplate.js';
import { TopicMatcher } from '../topics/matcher.js';
import { IdfModel } from '../stories/idf.js';
import { StoryClusterer } from '../stories/clusterer.js';
import { docFeatures, docTerms } from '../stories/features.js';
import { EventModel } from '../stories/event-model.js';
import { TopicWeights, topicWords } from '../stories/weights.js';
import { maxPairJaccard, summarise } from '../stories/summarise.js';
import { clusterDocOf } from '../stories/service.js';
import { clusterScores, type ClusterScores } from './metrics.js';
import type { SeedItem } from './corpus.js';

export interface SeedEvalResult extends ClusterScores {
  relevant: Record<string, boolean>;
  predicted: Record<string, number>;
  expected: Record<string, string>;
  storiesMatch: boolean;
  summaries: { files: string[]; headline: string; summary: string; maxSentenceJaccard: number }[];
  /** Lines of the seeds that boilerplate removal dropped and that a summary nevertheless contains. */
  boilerplateInSummaries: string[];
  seconds: number;
}

/**
 * The seed articles as the product sees them: the first article line is the headline, the rest
 * the body (boilerplate removed); topic rules of the first topic; one clustering pass in date order.
 */
export function evaluateSeeds(seeds: SeedItem[], labels: Record<string, string[]>, config: LoadedConfig): SeedEvalResult {
  const started = performance.now();
  const topic = config.topics[0]!;
  const matcher = new TopicMatcher(topic);
  const expected: Record<string, string> = {};
  for (const [story, files] of Object.entries(labels)) for (const f of files) expected[f] = story;

  const docs = seeds.map((s, i) => {
    const lines = stripBoilerplate(s.text).split('\n');
    const title = lines[0] ?? '';
    const body = lines.slice(1).join('\n');
    const publishedAt = s.date ? Date.parse(s.date.length === 7 ? `${s.date}-22T12:00:00Z` : `${s.date}T12:00:00Z`) : undefined;
    return { file: s.file, id: i + 1, title, description: '', body, publishedAt };
  });
  const idf = new IdfModel();
  const features = new Map(docs.map((d) => [d.id, docFeatures(clusterDocOf(d))]));
  for (const f of features.values()) idf.observe(docTerms(f));
  const relevant: Record<string, boolean> = {};
  for (const d of docs) relevant[d.file] = matcher.match({ title: d.title, description: '', body: d.body, url: '' }).relevant;

  const clusterer = new StoryClusterer(new TopicWeights(idf, idf, topicWords(topic)), { windowMs: config.stories.window, model: new EventModel() });
  const predicted: Record<string, number> = {};
  const mergedInto = new Map<number, number>();
  // Undated seeds go last; for them time plays no part in the similarity.
  for (const d of [...docs].sort((a, b) => (a.publishedAt ?? Infinity) - (b.publishedAt ?? Infinity) || a.id - b.id)) {
    const a = clusterer.add(clusterDocOf(d), features.get(d.id));
    if (a.merged) mergedInto.set(a.merged.from, a.storyId);
    predicted[d.file] = a.storyId;
  }
  for (const f of Object.keys(predicted)) {
    let s = predicted[f]!;
    while (mergedInto.has(s)) s = mergedInto.get(s)!;
    predicted[f] = s;
  }
  const files = docs.map((d) => d.file).filter((f) => expected[f]);
  const scores = clusterScores(files.map((f) => predicted[f]!), files.map((f) => expected[f]!));

  const byStory = new Map<number, typeof docs>();
  for (const d of docs) byStory.set(predicted[d.file]!, [...(byStory.get(predicted[d.file]!) ?? []), d]);
  const summaries = [...byStory.values()].map((members) => {
    const s = summarise(members, idf);
    return { files: members.map((m) => m.file), headline: s.headline, summary: s.text, maxSentenceJaccard: maxPairJaccard(s.sentences) };
  });
  const removed = seeds.flatMap((s) => {
    const kept = new Set(stripBoilerplate(s.text).split('\n'));
    return s.text.split('\n').map((l) => l.trim()).filter((l) => l.length >= 12 && !kept.has(l));
  });
  const boilerplateInSummaries = removed.filter((line) => summaries.some((s) => s.summary.includes(line)));
  const storiesMatch = scores.bcubedF1 === 1;
  return { ...scores, relevant, predicted, expected, storiesMatch, summaries, boilerplateInSummaries, seconds: (performance.now() - started) / 1000 };
}
