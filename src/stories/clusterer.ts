import type { IdfModel } from './idf.js';
import { analyse } from './nlp.js';
import { NEAR_COPY_BITS, hamming, simhash, simhashBands } from './simhash.js';
import { stripWireSlug, titleKey } from './title.js';

export interface ClusterDoc {
  id: number;
  title: string;
  /** Description or first sentences: with the title, what the similarity is computed on. */
  lead: string;
  /** Whole text for near-copy detection (defaults to title + lead). */
  text?: string;
  /** Epoch ms; undefined when unknown (then time plays no part). */
  publishedAt?: number;
}

export interface DocFeatures {
  /** Unit-length TF-IDF vector of title (counted twice) and lead. */
  vector: Map<string, number>;
  /** The doc's strongest terms, used to find candidate stories. */
  keys: string[];
  entities: Set<string>;
  titleKey: string;
  hash: [number, number] | null;
  publishedAt?: number;
}

export type JoinReason = 'first' | 'same-title' | 'near-copy' | 'similar';

export interface Assignment {
  storyId: number;
  /** Stories folded into `storyId` by this step (their articles now belong to it). */
  merged?: number[];
  similarity: number;
  reason: JoinReason;
  isNew: boolean;
}

export interface ClusterOptions {
  /** A story takes new articles only within this distance of its own time span. */
  windowMs: number;
  /** Similarity needed to join a story (0..1). */
  threshold: number;
  /** Time distances up to this count nothing; beyond, similarity decays. */
  sameEventMs?: number;
  /** Decay scale beyond `sameEventMs`: at 1.5 days past it, similarity × 0.37. */
  decayMs?: number;
  /** How many of a doc's strongest terms look up candidate stories. */
  candidateTerms?: number;
  /** Two stories whose centroids are this similar become one (0..1; default: no merging). */
  mergeThreshold?: number;
}

interface StoryState {
  id: number;
  centroid: Map<string, number>;
  norm2: number;
  entities: Map<string, number>;
  size: number;
  first?: number;
  last?: number;
  keys: Set<string>;
  titles: Set<string>;
  hashes: [number, number][];
}

const DAY = 86_400_000;
/**
 * Sublinear IDF: in headlines of 5-10 words one rare word (a name, a typo) otherwise outweighs
 * everything else the texts share. Measured on the corpus: B-cubed F1 +0.01-0.02 on both sets.
 */
const IDF_EXPONENT = 0.75;
/** Share of the similarity given to overlapping names, places and figures (the rest: TF-IDF cosine). */
const ENTITY_WEIGHT = 0.1;


/**
 * Online story clustering. Articles arrive in published order; each is first folded into a
 * story holding a copy of it (same normalised title, or SimHash within 6 bits), else compared
 * with the candidate stories found through an inverted index of rare terms and entities over
 * the stories active in the time window, and joins the most similar one above the threshold,
 * else opens a new story. Cost per article depends on the active window, not the archive.
 */
export class StoryClusterer {
  private readonly stories = new Map<number, StoryState>();
  private readonly index = new Map<string, Set<number>>();
  private readonly titleIndex = new Map<string, number>();
  private readonly bandIndex = new Map<string, Set<number>>();
  private latest = -Infinity;
  private sinceEviction = 0;
  private readonly sameEventMs: number;
  private readonly decayMs: number;
  private readonly candidateTerms: number;

  constructor(
    private readonly idf: IdfModel,
    private readonly options: ClusterOptions,
    /** Makes the id of a new story (the database's row id in production). */
    private readonly newStoryId: () => number = counter(),
  ) {
    this.sameEventMs = options.sameEventMs ?? DAY;
    this.decayMs = options.decayMs ?? 1.5 * DAY;
    this.candidateTerms = options.candidateTerms ?? 12;
  }

  get activeStories(): number {
    return this.stories.size;
  }

  features(doc: ClusterDoc): DocFeatures {
    const title = analyse(stripWireSlug(doc.title));
    const lead = analyse(doc.lead);
    const tf = new Map<string, number>();
    for (const t of title.terms) tf.set(t, (tf.get(t) ?? 0) + 2);
    for (const t of lead.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    const vector = new Map<string, number>();
    let norm2 = 0;
    for (const [t, n] of tf) {
      const w = (1 + Math.log(n)) * this.idf.idf(t) ** IDF_EXPONENT;
      vector.set(t, w);
      norm2 += w * w;
    }
    const norm = Math.sqrt(norm2) || 1;
    for (const [t, w] of vector) vector.set(t, w / norm);
    const keys = [...vector.entries()].sort((a, b) => b[1] - a[1]).slice(0, this.candidateTerms).map(([t]) => t);
    const entities = new Set([...title.entities, ...lead.entities]);
    const words = doc.text ? analyse(doc.text).words : [...title.words, ...lead.words];
    return {
      vector,
      keys,
      entities,
      titleKey: titleKey(doc.title),
      // Short texts make unreliable fingerprints: title-only items fold by title or similarity.
      hash: words.length >= 30 ? simhash(words) : null,
      publishedAt: doc.publishedAt,
    };
  }

  /** Places a document; returns its story and what put it there. */
  add(doc: ClusterDoc, f: DocFeatures = this.features(doc)): Assignment {
    if (f.publishedAt !== undefined) this.evict(f.publishedAt);

    const byTitle = f.titleKey ? this.titleIndex.get(f.titleKey) : undefined;
    if (byTitle !== undefined && this.inWindow(this.stories.get(byTitle), f.publishedAt)) {
      this.join(byTitle, f);
      return { storyId: byTitle, similarity: 1, reason: 'same-title', isNew: false };
    }
    if (f.hash) {
      for (const band of simhashBands(f.hash)) {
        for (const sid of this.bandIndex.get(band) ?? []) {
          const s = this.stories.get(sid);
          if (s && this.inWindow(s, f.publishedAt) && s.hashes.some((h) => hamming(h, f.hash!) <= NEAR_COPY_BITS)) {
            this.join(sid, f);
            return { storyId: sid, similarity: 1, reason: 'near-copy', isNew: false };
          }
        }
      }
    }

    let best: { id: number; sim: number } | undefined;
    for (const sid of this.candidates(f)) {
      const s = this.stories.get(sid)!;
      const sim = this.similarity(f, s);
      if (sim >= this.options.threshold && (!best || sim > best.sim)) best = { id: sid, sim };
    }
    if (best) {
      this.join(best.id, f);
      const merged = this.mergeAround(best.id, f.publishedAt);
      return { storyId: merged.into, similarity: round(best.sim), reason: 'similar', isNew: false, ...(merged.absorbed.length ? { merged: merged.absorbed } : {}) };
    }
    const id = this.newStoryId();
    this.stories.set(id, { id, centroid: new Map(), norm2: 0, entities: new Map(), size: 0, keys: new Set(), titles: new Set(), hashes: [] });
    this.join(id, f);
    return { storyId: id, similarity: 1, reason: 'first', isNew: true };
  }

  /** Puts a document into a known story without comparing (restoring state from the database). */
  restore(storyId: number, f: DocFeatures): void {
    if (!this.stories.has(storyId)) {
      this.stories.set(storyId, { id: storyId, centroid: new Map(), norm2: 0, entities: new Map(), size: 0, keys: new Set(), titles: new Set(), hashes: [] });
    }
    this.join(storyId, f);
  }

  /**
   * After a story grew, folds in any active story whose centroid has become as similar to it as
   * `mergeThreshold` (one event first reported in two ways, then bridged by later articles).
   */
  private mergeAround(id: number, t: number | undefined): { into: number; absorbed: number[] } {
    const absorbed: number[] = [];
    const m = this.options.mergeThreshold;
    if (m === undefined) return { into: id, absorbed };
    let target = this.stories.get(id)!;
    const top = [...target.centroid.entries()].sort((a, b) => b[1] - a[1]).slice(0, this.candidateTerms).map(([k]) => k);
    const seen = new Set<number>([id]);
    for (const k of top) {
      for (const sid of this.index.get(k) ?? []) {
        if (seen.has(sid)) continue;
        seen.add(sid);
        const other = this.stories.get(sid);
        if (!other || !this.inWindow(other, t)) continue;
        if (centroidCosine(target, other) * this.spanFactor(target, other) < m) continue;
        const [big, small] = other.size > target.size ? [other, target] : [target, other];
        this.absorb(big, small);
        absorbed.push(small.id);
        target = big;
      }
    }
    return { into: target.id, absorbed };
  }

  private spanFactor(a: StoryState, b: StoryState): number {
    if (a.first === undefined || a.last === undefined || b.first === undefined || b.last === undefined) return 1;
    const gap = Math.max(0, a.first - b.last, b.first - a.last);
    return gap <= this.sameEventMs ? 1 : Math.exp(-(gap - this.sameEventMs) / this.decayMs);
  }

  private absorb(into: StoryState, from: StoryState): void {
    for (const [t, w] of from.centroid) {
      const old = into.centroid.get(t) ?? 0;
      into.centroid.set(t, old + w);
      into.norm2 += (old + w) ** 2 - old ** 2;
    }
    for (const [e, n] of from.entities) into.entities.set(e, (into.entities.get(e) ?? 0) + n);
    for (const k of from.keys) {
      const set = this.index.get(k)!;
      set.delete(from.id);
      set.add(into.id);
      into.keys.add(k);
    }
    for (const t of from.titles) {
      into.titles.add(t);
      this.titleIndex.set(t, into.id);
    }
    for (const h of from.hashes) {
      if (into.hashes.length < 50) into.hashes.push(h);
      for (const band of simhashBands(h)) {
        const set = this.bandIndex.get(band)!;
        set.delete(from.id);
        set.add(into.id);
      }
    }
    into.size += from.size;
    if (from.first !== undefined) into.first = Math.min(into.first ?? from.first, from.first);
    if (from.last !== undefined) into.last = Math.max(into.last ?? from.last, from.last);
    this.stories.delete(from.id);
  }

  /** Similarity of a document to a story: text, shared names, and time distance. */
  similarity(f: DocFeatures, s: StoryState): number {
    let dot = 0;
    for (const [t, w] of f.vector) dot += w * (s.centroid.get(t) ?? 0);
    const cos = s.norm2 > 0 ? dot / Math.sqrt(s.norm2) : 0;
    let sim = cos;
    if (f.entities.size > 0 && s.entities.size > 0) {
      let shared = 0, total = 0;
      for (const e of f.entities) {
        const w = this.idf.idf(e);
        total += w;
        if (s.entities.has(e)) shared += w;
      }
      sim = (1 - ENTITY_WEIGHT) * cos + ENTITY_WEIGHT * (shared / total);
    }
    return sim * this.timeFactor(f.publishedAt, s);
  }

  private timeFactor(t: number | undefined, s: StoryState): number {
    if (t === undefined || s.first === undefined || s.last === undefined) return 1;
    const gap = t < s.first ? s.first - t : t > s.last ? t - s.last : 0;
    return gap <= this.sameEventMs ? 1 : Math.exp(-(gap - this.sameEventMs) / this.decayMs);
  }

  private candidates(f: DocFeatures): Set<number> {
    const out = new Set<number>();
    const look = (key: string) => {
      const posting = this.index.get(key);
      if (!posting) return;
      for (const sid of posting) {
        if (this.inWindow(this.stories.get(sid), f.publishedAt)) out.add(sid);
      }
    };
    for (const k of f.keys) look(k);
    for (const e of f.entities) look(`@${e}`);
    return out;
  }

  private inWindow(s: StoryState | undefined, t: number | undefined): boolean {
    if (!s) return false;
    if (t === undefined || s.last === undefined || s.first === undefined) return true;
    return t - s.last <= this.options.windowMs && s.first - t <= this.options.windowMs;
  }

  private join(id: number, f: DocFeatures): void {
    const s = this.stories.get(id)!;
    for (const [t, w] of f.vector) {
      const old = s.centroid.get(t) ?? 0;
      s.centroid.set(t, old + w);
      s.norm2 += (old + w) ** 2 - old ** 2;
    }
    for (const e of f.entities) {
      s.entities.set(e, (s.entities.get(e) ?? 0) + 1);
      this.post(`@${e}`, id, s);
    }
    for (const k of f.keys) this.post(k, id, s);
    if (f.titleKey) {
      s.titles.add(f.titleKey);
      this.titleIndex.set(f.titleKey, id);
    }
    if (f.hash && s.hashes.length < 50) {
      s.hashes.push(f.hash);
      for (const band of simhashBands(f.hash)) {
        let set = this.bandIndex.get(band);
        if (!set) this.bandIndex.set(band, (set = new Set()));
        set.add(id);
      }
    }
    s.size++;
    if (f.publishedAt !== undefined) {
      s.first = Math.min(s.first ?? f.publishedAt, f.publishedAt);
      s.last = Math.max(s.last ?? f.publishedAt, f.publishedAt);
    }
  }

  private post(key: string, id: number, s: StoryState): void {
    let set = this.index.get(key);
    if (!set) this.index.set(key, (set = new Set()));
    set.add(id);
    s.keys.add(key);
  }

  /** Drops stories that ended more than a window before `now`; amortised over many documents. */
  private evict(now: number): void {
    this.latest = Math.max(this.latest, now);
    if (++this.sinceEviction < 256) return;
    this.sinceEviction = 0;
    const cutoff = this.latest - this.options.windowMs;
    for (const s of this.stories.values()) {
      if (s.last === undefined || s.last >= cutoff) continue;
      for (const k of s.keys) {
        const set = this.index.get(k);
        set?.delete(s.id);
        if (set && set.size === 0) this.index.delete(k);
      }
      for (const t of s.titles) if (this.titleIndex.get(t) === s.id) this.titleIndex.delete(t);
      for (const h of s.hashes) {
        for (const band of simhashBands(h)) {
          const set = this.bandIndex.get(band);
          set?.delete(s.id);
          if (set && set.size === 0) this.bandIndex.delete(band);
        }
      }
      this.stories.delete(s.id);
    }
  }
}

function centroidCosine(a: StoryState, b: StoryState): number {
  if (a.norm2 === 0 || b.norm2 === 0) return 0;
  const [small, large] = a.centroid.size < b.centroid.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small.centroid) dot += w * (large.centroid.get(t) ?? 0);
  return dot / Math.sqrt(a.norm2 * b.norm2);
}

function counter(): () => number {
  let n = 0;
  return () => ++n;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
