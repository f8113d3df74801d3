import { readFileSync } from 'node:fs';
import { IdfModel } from '../stories/idf.js';
import { StoryClusterer, type ClusterDoc, type ClusterOptions } from '../stories/clusterer.js';
import { analyse } from '../stories/nlp.js';
import { clusterScores, type ClusterScores } from './metrics.js';
import { readCsv, readJsonl } from './corpus.js';

export interface LabelledDoc extends ClusterDoc {
  story: string;
}

export interface StoryEvalResult extends ClusterScores {
  items: number;
  seconds: number;
  itemsPerSecond: number;
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

/**
 * Clusters labelled documents as the product does (IDF learned from every document first, as
 * the stored archive would give it; then one pass in order) and scores the grouping.
 */
export function evaluateStories(docs: LabelledDoc[], options: ClusterOptions): StoryEvalResult {
  const started = performance.now();
  const idf = new IdfModel();
  for (const d of docs) {
    const a = analyse(`${d.title}\n${d.lead}`);
    idf.observe([...a.terms, ...a.entities]);
  }
  const clusterer = new StoryClusterer(idf, options);
  const ordered = [...docs].sort((a, b) => (a.publishedAt ?? 0) - (b.publishedAt ?? 0) || a.id - b.id);
  const predicted = new Map<number, number>();
  const mergedInto = new Map<number, number>();
  const resolve = (id: number): number => {
    let r = id;
    while (mergedInto.has(r)) r = mergedInto.get(r)!;
    return r;
  };
  for (const d of ordered) {
    const a = clusterer.add(d);
    for (const m of a.merged ?? []) mergedInto.set(m, a.storyId);
    predicted.set(d.id, a.storyId);
  }
  for (const [doc, story] of predicted) predicted.set(doc, resolve(story));
  const seconds = (performance.now() - started) / 1000;
  const scores = clusterScores(docs.map((d) => predicted.get(d.id)!), docs.map((d) => d.story));
  return { ...scores, items: docs.length, seconds, itemsPerSecond: docs.length / seconds };
}
