import type { TermWeighter } from './weights.js';
import { dot, type SparseVector } from './vectors.js';

/** An article as a story holds it: unit vectors under the weights of the moment it joined. */
export interface StoryMember {
  title: SparseVector;
  body: SparseVector;
  /** Names, places and figures with their weights. */
  names: Map<string, number>;
  /** The headline's opening terms. */
  head: string[];
  /** The headline's first name: who acted, usually. */
  actor?: string;
  source?: string;
  publishedAt?: number;
  /** Only a headline: no description or text said more. */
  headlineOnly?: boolean;
}

/** A story as the comparisons see it: its core reports (the first few) and their sums. */
export interface StoryView {
  size: number;
  first?: number;
  last?: number;
  core: StoryMember[];
  titleSum: SparseVector;
  titleNorm2: number;
  bodySum: SparseVector;
  bodyNorm2: number;
  /** Names of the core reports, with how many of them carry each. */
  names: Map<string, number>;
  /** The names at least half the core reports carry, with their weights (kept with the core). */
  majorNames: Map<string, number>;
  /** How many distinct figures the core reports give. */
  figures: number;
  /** How many of the core reports are headlines only. */
  headlineCore: number;
}

/** Recomputes a story's `majorNames` and `figures` after its core changed. */
export function summariseNames(s: StoryView, weights: TermWeighter): void {
  s.majorNames = new Map();
  s.figures = 0;
  const half = s.core.length / 2;
  for (const [n, count] of s.names) {
    if (n.startsWith('#')) s.figures++;
    if (count >= half) s.majorNames.set(n, weights.weight(n));
  }
}

/**
 * The separate similarities an article and a story are compared by (after Miranda et al.,
 * "Multilingual Clustering of Streaming News", EMNLP 2018): headline and text against the core's
 * centroid, plain and with the words of the last hours discounted, and the lead over the next
 * best story; the headline's opening words and actor; names, places and figures both ways; the
 * outlet; time distance; story size. Comparisons with each core report (closest, mean, founding
 * report) were measured too and dropped: collinear with the centroid, they changed 4-fold
 * cross-validated B-cubed F1 by 0.004 and cost most of the comparison time.
 */
export const JOIN_FEATURES = [
  'titleCentroid',
  'textCentroid',
  'headShared',
  'sameActor',
  'otherActor',
  'namesShared',
  'storyNamesCovered',
  'figureShared',
  'figureOnlyOther',
  'storySize',
  'sameSource',
  'textLocal',
  'titleLocal',
  'textGap',
  // Time: absent (zero) when a date is unknown.
  'daysFromFirst',
  'daysFromSpan',
  'within12h',
  'within2d',
  'textSoon',
  'titleSoon',
] as const;

/**
 * How two stories are compared before one is folded into the other (undated stories only: dated
 * ones are never merged, see src/eval/train.ts). The cores' centroids, names, sizes and time, and
 * the names shared by two stories told in headlines only: a few words of each report make noisy
 * centroids, and who and where ("Lindsay Lohan", "Qeshm") then say more than the wording.
 */
export const MERGE_FEATURES = ['titleCentroid', 'textCentroid', 'namesShared', 'headlineNames', 'smallerSize', 'daysBetween'] as const;


export type JoinFeatureName = (typeof JOIN_FEATURES)[number];
export type MergeFeatureName = (typeof MERGE_FEATURES)[number];
export type JoinFeatures = Record<JoinFeatureName, number> & { timeKnown: boolean };
export type MergeFeatures = Record<MergeFeatureName, number> & { timeKnown: boolean };

const HOUR = 3_600_000;

/**
 * Story size is learned from stories of up to 8 reports (the in-topic event set); beyond twice
 * that the learned weight would be extrapolated, and a story of 1,000 reports drew in every
 * other event of its hour (+1.0 log-odds from its size alone).
 */
const STORY_SIZE_CAP = 16;

/** An article against a story. */
export function joinFeatures(m: StoryMember, s: StoryView, local?: (termId: number) => number): JoinFeatures {
  let headShared = 0;
  const actors = new Set<string>();
  for (const c of s.core) {
    if (c.actor) actors.add(c.actor);
    if (m.head.length) headShared = Math.max(headShared, m.head.filter((t) => c.head.includes(t)).length / m.head.length);
  }
  // Names: how much of the article's are the story's, and how much of the story's (those most of
  // its core reports carry) the article has.
  let mine = 0, shared = 0, figures = 0, figuresShared = 0;
  for (const [n, w] of m.names) {
    mine += w;
    const inStory = s.names.has(n);
    if (inStory) shared += w;
    if (n.startsWith('#')) {
      figures++;
      if (inStory) figuresShared++;
    }
  }
  let common = 0, covered = 0;
  for (const [n, w] of s.majorNames) {
    common += w;
    if (m.names.has(n)) covered += w;
  }
  const storyFigures = s.figures;
  const t = m.publishedAt;
  const timeKnown = t !== undefined && s.first !== undefined && s.last !== undefined;
  const fromFirst = timeKnown ? Math.abs(t - s.first!) : 0;
  const fromSpan = timeKnown ? (t < s.first! ? s.first! - t : t > s.last! ? t - s.last! : 0) : 0;
  const within12h = timeKnown ? Math.exp(-fromFirst / (12 * HOUR)) : 0;
  const titleCentroid = s.titleNorm2 > 0 ? dot(m.title, s.titleSum) / Math.sqrt(s.titleNorm2) : 0;
  const textCentroid = s.bodyNorm2 > 0 ? dot(m.body, s.bodySum) / Math.sqrt(s.bodyNorm2) : 0;
  return {
    titleCentroid,
    textCentroid,
    headShared,
    sameActor: m.actor !== undefined && actors.has(m.actor) ? 1 : 0,
    otherActor: m.actor !== undefined && actors.size > 0 && !actors.has(m.actor) ? 1 : 0,
    namesShared: mine > 0 ? shared / mine : 0,
    storyNamesCovered: common > 0 ? covered / common : 0,
    figureShared: figuresShared > 0 ? 1 : 0,
    figureOnlyOther: figures > 0 && storyFigures > 0 && figuresShared === 0 ? 1 : 0,
    storySize: Math.log1p(Math.min(s.size, STORY_SIZE_CAP)),
    textGap: 0,
    textLocal: local ? localCosine(m.body, s.bodySum, local) : textCentroid,
    titleLocal: local ? localCosine(m.title, s.titleSum, local) : titleCentroid,
    sameSource: m.source !== undefined && s.core.some((c) => c.source === m.source) ? 1 : 0,
    daysFromFirst: Math.log1p(fromFirst / (6 * HOUR)),
    daysFromSpan: Math.log1p(fromSpan / (6 * HOUR)),
    within12h,
    within2d: timeKnown ? Math.exp(-fromFirst / (48 * HOUR)) : 0,
    textSoon: textCentroid * within12h,
    titleSoon: titleCentroid * within12h,
    timeKnown,
  };
}

/**
 * Fills in the features that compare one candidate with the others: how far its text similarity
 * is from the best other candidate's (a story far ahead of the rest is likelier the one).
 */
export function relate(xs: JoinFeatures[]): void {
  for (const x of xs) {
    let other = 0;
    for (const y of xs) if (y !== x) other = Math.max(other, y.textLocal);
    x.textGap = x.textLocal - other;
  }
}

/** Two stories against each other (symmetric). */
export function mergeFeatures(a: StoryView, b: StoryView, weights: TermWeighter): MergeFeatures {
  let union = 0, shared = 0;
  for (const n of new Set([...a.names.keys(), ...b.names.keys()])) {
    const w = weights.weight(n);
    union += w;
    if (a.names.has(n) && b.names.has(n)) shared += w;
  }
  const timeKnown = a.first !== undefined && b.first !== undefined;
  return {
    titleCentroid: cosine(a.titleSum, a.titleNorm2, b.titleSum, b.titleNorm2),
    textCentroid: cosine(a.bodySum, a.bodyNorm2, b.bodySum, b.bodyNorm2),
    namesShared: union > 0 ? shared / union : 0,
    headlineNames: union > 0 && headlinesOnly(a) && headlinesOnly(b) ? shared / union : 0,
    smallerSize: Math.log1p(Math.min(a.size, b.size)),
    daysBetween: timeKnown ? Math.log1p(Math.abs(a.first! - b.first!) / (6 * HOUR)) : 0,
    timeKnown,
  };
}

function headlinesOnly(s: StoryView): boolean {
  return s.core.length > 0 && s.headlineCore === s.core.length;
}

/** Cosine after scaling every term by how rare it is among the articles of the last hours. */
function localCosine(a: SparseVector, b: SparseVector, local: (termId: number) => number): number {
  const ai = a.ids, bi = b.ids;
  let j = 0, d = 0, na = 0, nb = 0;
  for (let i = 0; i < ai.length; i++) {
    const x = a.weights[i]! * local(ai[i]!);
    na += x * x;
    while (j < bi.length && bi[j]! < ai[i]!) j++;
    if (j < bi.length && bi[j] === ai[i]) d += x * b.weights[j]! * local(bi[j]!);
  }
  for (let k = 0; k < bi.length; k++) {
    const y = b.weights[k]! * local(bi[k]!);
    nb += y * y;
  }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
}

function cosine(a: SparseVector, na: number, b: SparseVector, nb: number): number {
  return na > 0 && nb > 0 ? dot(a, b) / Math.sqrt(na * nb) : 0;
}
