import type { TopicConfig } from '../config/schema.js';
import { TopicMatcher } from '../topics/matcher.js';
import type { TopicItem } from './corpus.js';

export interface TopicEvalResult {
  items: number;
  borderlineExcluded: number;
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
  falsePositives: { id: string; title: string; score: number }[];
  falseNegatives: { id: string; title: string; score: number }[];
  seconds: number;
  itemsPerSecond: number;
}

/** Precision/recall of a topic's rules on hand-labelled items; borderline items are left out. */
export function evaluateTopic(topic: TopicConfig, items: TopicItem[]): TopicEvalResult {
  const matcher = new TopicMatcher(topic);
  const started = performance.now();
  let tp = 0, fp = 0, fn = 0, borderline = 0;
  const falsePositives: TopicEvalResult['falsePositives'] = [];
  const falseNegatives: TopicEvalResult['falseNegatives'] = [];
  for (const item of items) {
    const d = matcher.match({ title: item.title, description: item.description ?? '', body: '', url: item.url ?? '' });
    if (item.relevant === 'borderline') {
      borderline++;
      continue;
    }
    const truth = item.relevant === 'yes';
    if (d.relevant && truth) tp++;
    else if (d.relevant) {
      fp++;
      falsePositives.push({ id: item.id, title: item.title, score: d.score });
    } else if (truth) {
      fn++;
      falseNegatives.push({ id: item.id, title: item.title, score: d.score });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  return {
    items: items.length,
    borderlineExcluded: borderline,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    tp, fp, fn,
    falsePositives,
    falseNegatives,
    seconds,
    itemsPerSecond: items.length / Math.max(seconds, 1e-9),
  };
}
