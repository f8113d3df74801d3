import { readFileSync } from 'node:fs';
import { IdfModel } from '../stories/idf.js';
import { StoryClusterer, type ClusterDoc } from '../stories/clusterer.js';
import { docFeatures, docTerms, type DocFeatures } from '../stories/features.js';
import { EventModel } from '../stories/event-model.js';
import { TopicWeights } from '../stories/weights.js';
import { ThreadTracker } from '../stories/threads.js';
import { maxPairJaccard, summarise } from '../stories/summarise.js';
import { clusterScores, type ClusterScores } from './metrics.js';
import { readCsv, readJsonl } from './corpus.js';

export interface LabelledDoc extends ClusterDoc {
  story: string;
}

export interface StoryEvalResult extends ClusterScores {
  /** The same documents scored by thread (coverage of one subject across events). */
  threads: ClusterScores;
  items: number;
  /** Size of the largest predicted story. */
  largestStory: number;
  /** Over how many shuffled orders the scores are averaged (1: the corpus's time order). */
  orders: number;
  seconds: number;
  itemsPerSecond: number;
  /** Features and assignment, per article (what the pipeline pays for grouping). */
  microsecondsPerArticle: number;
  /** With `summaries`: the predicted stories of 3+ articles, summarised as the product does. */
  summaries?: SummaryCheck;
}

export interface SummaryCheck {
  /** Stories of 3 or more articles summarised. */
  stories: number;
  /** The largest content-word Jaccard overlap between two sentences of one summary. */
  maxSentenceJaccard: number;
  /** The summary where it was found. */
  worst?: { headline: string; sentences: string[] };
}

export interface StoryEvalOptions {
  windowMs: number;
  model?: EventModel;
  /** Words of the topic's rules (see topicWordsOf); none for corpora from many topics. */
  topicWords?: ReadonlySet<string>;
  threshold?: number;
  mergeThreshold?: number;
  /** Score this many random orders (seeded) and average: for corpora without time. */
  shuffles?: number;
  threadThreshold?: number;
  threadMergeThreshold?: number;
  /** Also summarise the predicted stories of 3+ articles and check them for repetition. */
  summaries?: boolean;
}

export function loadUci(file: string): LabelledDoc[] {
  return readCsv(readFileSync(file, 'utf8')).map((r, i) => ({
    id: i + 1,
    title: r.title ?? '',
    lead: '',
    publishedAt: r.timestamp ? Date.parse(r.timestamp) : undefined,
    story: r.story ?? '',
  }));
}

export function loadGoogleNews(file: string): LabelledDoc[] {
  return readJsonl<{ id: string; story: number; text: string }>(file).map((r, i) => ({ id: i + 1, title: r.text, lead: '', story: String(r.story) }));
}

/** The in-topic event set: feed items with their real time stamps, labelled by event. */
export function loadTopicEvents(file: string): LabelledDoc[] {
  return readJsonl<{ title: string; description?: string; source?: string; published: string; event: string }>(file).map((r, i) => ({
    id: i + 1,
    title: r.title,
    lead: r.description ?? '',
    ...(r.source ? { source: r.source } : {}),
    publishedAt: Date.parse(r.published),
    story: r.event,
  }));
}

/** ECB+ articles: the body as the lead (what a fetched page gives), or the title alone. No time. */
export function loadEcbPlus(file: string, withBody: boolean): LabelledDoc[] {
  return readJsonl<{ title: string; text: string; story: string }>(file).map((r, i) => ({
    id: i + 1,
    title: r.title,
    lead: withBody ? r.text.replace(/\n/g, ' ') : '',
    ...(withBody ? { text: `${r.title}\n${r.text}` } : {}),
    story: r.story,
  }));
}

/**
 * Groups labelled documents as the pipeline does on a fresh database: term statistics from the
 * corpus's own documents only (global and topic statistics alike), then one pass in published
 * order, and scores the grouping. Without time stamps, the scores are averaged over shuffled
 * orders, since then order is arbitrary and changes the result.
 */
export function evaluateStories(docs: LabelledDoc[], options: StoryEvalOptions): StoryEvalResult {
  const model = options.model ?? new EventModel();
  const started = performance.now();
  const features = docs.map((d) => docFeatures(d));
  const idf = new IdfModel();
  for (const f of features) idf.observe(docTerms(f));
  const weights = new TopicWeights(idf, idf, options.topicWords);
  const featureMs = performance.now() - started;

  const shuffles = Math.max(1, options.shuffles ?? 1);
  const runs: { scores: ClusterScores; threads: ClusterScores; largest: number; ms: number; predicted: number[] }[] = [];
  for (let run = 0; run < shuffles; run++) {
    const order = docs.map((_, i) => i);
    if (options.shuffles) shuffle(order, run + 1);
    else order.sort((a, b) => (docs[a]!.publishedAt ?? 0) - (docs[b]!.publishedAt ?? 0) || a - b);
    const t0 = performance.now();
    const clusterer = new StoryClusterer(weights, {
      windowMs: options.windowMs,
      model,
      ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
      ...(options.mergeThreshold !== undefined ? { mergeThreshold: options.mergeThreshold } : {}),
    });
    const threads = new ThreadTracker(weights, { windowMs: options.windowMs, threshold: options.threadThreshold ?? 0.25, mergeThreshold: options.threadMergeThreshold ?? 0.19 });
    const predicted = new Array<number>(docs.length);
    const mergedInto = new Map<number, number>();
    for (const i of order) {
      const a = clusterer.add(docs[i]!, features[i] as DocFeatures);
      if (a.merged) mergedInto.set(a.merged.from, a.storyId);
      threads.add(i, features[i] as DocFeatures);
      predicted[i] = a.storyId;
    }
    const ms = performance.now() - t0;
    const resolve = (id: number): number => {
      let r = id;
      while (mergedInto.has(r)) r = mergedInto.get(r)!;
      return r;
    };
    for (let i = 0; i < predicted.length; i++) predicted[i] = resolve(predicted[i]!);
    const sizes = new Map<number, number>();
    for (const p of predicted) sizes.set(p, (sizes.get(p) ?? 0) + 1);
    const truth = docs.map((d) => d.story);
    runs.push({ scores: clusterScores(predicted, truth), threads: clusterScores(predicted.map((_, i) => threads.threadOf(i)!), truth), largest: Math.max(...sizes.values()), ms, predicted });
  }
  const mean = (f: (r: (typeof runs)[number]) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
  const average = (pick: (r: (typeof runs)[number]) => ClusterScores) =>
    Object.fromEntries((Object.keys(runs[0]!.scores) as (keyof ClusterScores)[]).map((k) => [k, mean((r) => pick(r)[k])])) as unknown as ClusterScores;
  const scores = average((r) => r.scores);
  const seconds = (featureMs + mean((r) => r.ms)) / 1000;
  return {
    ...scores,
    threads: average((r) => r.threads),
    items: docs.length,
    largestStory: Math.max(...runs.map((r) => r.largest)),
    orders: shuffles,
    seconds,
    itemsPerSecond: docs.length / seconds,
    microsecondsPerArticle: (seconds * 1e6) / docs.length,
    ...(options.summaries ? { summaries: checkSummaries(docs, runs[0]!.predicted, idf) } : {}),
  };
}

function checkSummaries(docs: LabelledDoc[], predicted: number[], idf: IdfModel): SummaryCheck {
  const stories = new Map<number, LabelledDoc[]>();
  predicted.forEach((p, i) => stories.set(p, [...(stories.get(p) ?? []), docs[i]!]));
  const check: SummaryCheck = { stories: 0, maxSentenceJaccard: 0 };
  for (const members of stories.values()) {
    if (members.length < 3) continue;
    check.stories++;
    const s = summarise(members.map((d) => ({ title: d.title, description: d.lead, body: '' })), idf);
    const j = maxPairJaccard(s.sentences);
    if (!check.worst || j > check.maxSentenceJaccard) {
      check.maxSentenceJaccard = j;
      check.worst = { headline: s.headline, sentences: s.sentences };
    }
  }
  return check;
}

/** Deterministic Fisher-Yates (mulberry32), so every run scores the same orders. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
