import type { IdfModel } from './idf.js';
import type { TopicConfig } from '../config/schema.js';
import { tokenize } from './tokens.js';

/** How much a word says about which event an article reports. */
export interface TermWeighter {
  weight(term: string): number;
}

/** Share of a topic's articles a topic word is assumed to be in before any has been seen. */
const TOPIC_WORD_PRIOR = 0.3;
/** How many articles that assumption is worth: after a few dozen, what was seen takes over. */
const PRIOR_ARTICLES = 20;
/**
 * Sublinear weights: in short texts one rare word (a name, a typo) otherwise outweighs
 * everything else two reports share.
 */
const EXPONENT = 0.75;

/**
 * Term weights inside one topic. A word weighs what it is worth both across all feeds (global
 * IDF) and within the topic's own stream (topic IDF), whichever is less: "Patriot" and "Kyiv" are
 * rare among all articles but in most of the topic's, so they separate nothing there. Before the
 * topic has articles of its own, the words of its rules stand in for what it will be full of.
 */
export class TopicWeights implements TermWeighter {
  private readonly cache = new Map<string, number>();
  private stamp = -1;

  constructor(
    private readonly global: IdfModel,
    private readonly topic?: IdfModel,
    private readonly topicWords: ReadonlySet<string> = new Set(),
  ) {}

  weight(term: string): number {
    // Statistics only grow between calls; recompute when they did.
    const stamp = this.global.docs * 1_000_003 + (this.topic?.docs ?? 0);
    if (stamp !== this.stamp) {
      this.cache.clear();
      this.stamp = stamp;
    }
    let w = this.cache.get(term);
    if (w === undefined) {
      w = Math.min(this.global.idf(term), this.topicIdf(term)) ** EXPONENT;
      this.cache.set(term, w);
    }
    return w;
  }

  private topicIdf(term: string): number {
    const prior = this.topicWords.has(term) ? TOPIC_WORD_PRIOR : (this.global.docFreq(term) + 1) / (this.global.docs + 1);
    const n = this.topic?.docs ?? 0;
    const df = this.topic?.docFreq(term) ?? 0;
    return Math.log((n + PRIOR_ARTICLES) / (df + PRIOR_ARTICLES * prior)) + 1;
  }
}

/** The words a topic's rules are made of: the terms of its groups and the keys of its aliases. */
export function topicWords(topic: Pick<TopicConfig, 'groups' | 'aliases'>): Set<string> {
  return topicWordsOf([...topic.groups.flatMap((g) => g.terms), ...Object.keys(topic.aliases)]);
}

/** The stems of the given phrases' words (wildcards dropped, phrases split). */
export function topicWordsOf(phrases: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of phrases) {
    const t = tokenize(p.replace(/\*/g, ''));
    for (const term of t.terms) out.add(term);
    for (const n of t.names) out.add(n);
  }
  return out;
}

/**
 * An article's terms as unit-length weights (log-scaled count × term weight), cut to its `max`
 * heaviest terms: what a long text adds beyond them is background, and it would make every
 * comparison cost more. Stories and threads compare articles through this same vector.
 */
export function weightedTerms(counts: Map<string, number>, weights: TermWeighter, max: number): [string, number][] {
  let entries: [string, number][] = [];
  for (const [t, n] of counts) entries.push([t, (1 + Math.log(n)) * weights.weight(t)]);
  if (entries.length > max) entries = entries.sort((a, b) => b[1] - a[1]).slice(0, max);
  let sum = 0;
  for (const [, w] of entries) sum += w * w;
  const norm = Math.sqrt(sum) || 1;
  for (const e of entries) e[1] /= norm;
  return entries;
}
