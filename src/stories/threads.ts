import type { DocFeatures } from './features.js';
import { weightedTerms, type TermWeighter } from './weights.js';

export interface ThreadOptions {
  /** A thread takes new stories only while its last article is this recent. */
  windowMs: number;
  /** Cosine between a story's first report and a thread's centroid needed to join it. */
  threshold: number;
  /** Two threads whose centroids come this close become one. */
  mergeThreshold: number;
  /** How much longer than the window a thread stays in memory (for articles that arrive late). */
  retainMs?: number;
  /**
   * Forget the articles of dropped threads (`threadOf` no longer knows them): for a tracker kept
   * between runs, which would otherwise remember every article it ever placed.
   */
  forgetDropped?: boolean;
}

interface Thread {
  id: number;
  centroid: Map<string, number>;
  norm2: number;
  last?: number;
  keys: Set<string>;
  size: number;
}

/** Terms kept per article (as the story grouper keeps them): the rest of a long text is background. */
const ARTICLE_TERMS = 60;
/** Terms of a centroid that look up candidate threads. */
const KEYS = 12;
/**
 * A thread's centroid keeps its heaviest terms only: a long-running thread would otherwise grow
 * without bound, and every comparison and re-index with it.
 */
const CENTROID_TERMS = 300;
/** Threads looked up per term. */
const THREADS_PER_TERM = 10;
/** A thread's index keys are refreshed on its first articles, then every this many. */
const REINDEX_EVERY = 8;

/**
 * Threads: the coverage of one subject across its successive events ("Japan to send Patriot
 * missiles", then "Russia warns Japan over them" five days later). Stories are events and must
 * never chain; a thread is meant to drift with its subject, so it is the classic online
 * clustering of articles by TF-IDF centroid, with centroid merging. A story's thread is its first
 * article's: stories of one thread are follow-ups of each other. `eval` scores threads against
 * the coverage-level labels of the UCI and Google News sets.
 */
export class ThreadTracker {
  private readonly threads = new Map<number, Thread>();
  private readonly index = new Map<string, Set<number>>();
  /** Thread of each article, and threads folded into others. */
  private readonly byArticle = new Map<number, number>();
  private readonly mergedInto = new Map<number, number>();
  private next = 0;
  private readonly pendingMerges: [number, number][] = [];
  private latest = -Infinity;
  private sinceEviction = 0;
  private evictedUpTo = -Infinity;

  constructor(
    private readonly weights: TermWeighter,
    private readonly options: ThreadOptions,
    /** The highest thread id already in use (new threads are numbered after it). */
    idFloor = 0,
  ) {
    this.next = idFloor;
  }

  /** The thread an article belongs to (following merges). */
  threadOf(articleId: number): number | undefined {
    const t = this.byArticle.get(articleId);
    return t === undefined ? undefined : this.resolve(t);
  }

  /** Puts an article of a known thread back (restoring state from the database). */
  restore(articleId: number, threadId: number, f: DocFeatures): void {
    this.next = Math.max(this.next, threadId);
    const id = this.resolve(threadId);
    if (!this.threads.has(id)) this.threads.set(id, { id, centroid: new Map(), norm2: 0, keys: new Set(), size: 0 });
    this.byArticle.set(articleId, id);
    this.grow(id, this.vector(f), f.publishedAt);
  }

  /** Places an article in the closest active thread, or opens one; returns its thread. */
  add(articleId: number, f: DocFeatures): number {
    if (f.publishedAt !== undefined) this.evict(f.publishedAt);
    const v = this.vector(f);
    let best: { id: number; sim: number } | undefined;
    for (const tid of this.candidates(v, f.publishedAt)) {
      const t = this.threads.get(tid)!;
      const sim = t.norm2 > 0 ? dot(v, t.centroid) / Math.sqrt(t.norm2) : 0;
      if (sim >= this.options.threshold && (!best || sim > best.sim)) best = { id: tid, sim };
    }
    const id = best?.id ?? this.open();
    this.byArticle.set(articleId, id);
    this.grow(id, v, f.publishedAt);
    return this.mergeAround(id, f.publishedAt);
  }

  private open(): number {
    const id = ++this.next;
    this.threads.set(id, { id, centroid: new Map(), norm2: 0, keys: new Set(), size: 0 });
    return id;
  }

  private grow(id: number, v: Map<string, number>, publishedAt: number | undefined): void {
    const t = this.threads.get(id)!;
    for (const [term, w] of v) {
      const old = t.centroid.get(term) ?? 0;
      t.centroid.set(term, old + w);
      t.norm2 += (old + w) ** 2 - old ** 2;
    }
    if (publishedAt !== undefined) t.last = Math.max(t.last ?? publishedAt, publishedAt);
    t.size++;
    if (t.centroid.size > 2 * CENTROID_TERMS) prune(t);
    if (t.size <= REINDEX_EVERY || t.size % REINDEX_EVERY === 0) this.reindex(t);
  }

  /**
   * Folds into thread `id` the one active thread whose centroid came as close as the merge
   * threshold (one subject first covered in two ways, then bridged by later articles).
   */
  private mergeAround(id: number, t: number | undefined): number {
    const thread = this.threads.get(id)!;
    if (thread.size > REINDEX_EVERY && thread.size % REINDEX_EVERY !== 0) return id;
    for (const other of this.candidates(thread.centroid, t)) {
      if (other === id) continue;
      const o = this.threads.get(other)!;
      const sim = thread.norm2 > 0 && o.norm2 > 0 ? dot(thread.centroid, o.centroid) / Math.sqrt(thread.norm2 * o.norm2) : 0;
      if (sim < this.options.mergeThreshold) continue;
      // The older thread keeps its id: stories already point at it.
      const [into, from] = o.id < thread.id ? [o, thread] : [thread, o];
      this.fold(from, into);
      return into.id;
    }
    return id;
  }

  /** Thread ids folded since the last call, with the thread each went into (to store). */
  takeMerges(): [number, number][] {
    const out = [...this.pendingMerges];
    this.pendingMerges.length = 0;
    return out;
  }

  private fold(from: Thread, into: Thread): void {
    for (const [term, w] of from.centroid) {
      const old = into.centroid.get(term) ?? 0;
      into.centroid.set(term, old + w);
      into.norm2 += (old + w) ** 2 - old ** 2;
    }
    if (from.last !== undefined) into.last = Math.max(into.last ?? from.last, from.last);
    into.size += from.size;
    if (into.centroid.size > 2 * CENTROID_TERMS) prune(into);
    for (const k of from.keys) this.index.get(k)?.delete(from.id);
    this.threads.delete(from.id);
    this.mergedInto.set(from.id, into.id);
    this.pendingMerges.push([from.id, into.id]);
    this.reindex(into);
  }

  /** Drops threads idle for a window (their articles keep their ids); amortised over many articles. */
  private evict(now: number): void {
    this.latest = Math.max(this.latest, now);
    if (++this.sinceEviction < 256) return;
    this.sinceEviction = 0;
    const cutoff = this.latest - this.options.windowMs - (this.options.retainMs ?? 0);
    this.evictedUpTo = Math.max(this.evictedUpTo, cutoff);
    let evicted = false;
    for (const t of this.threads.values()) {
      if (t.last === undefined || t.last >= cutoff) continue;
      evicted = true;
      for (const k of t.keys) {
        const set = this.index.get(k);
        set?.delete(t.id);
        if (set?.size === 0) this.index.delete(k);
      }
      this.threads.delete(t.id);
    }
    if (evicted && this.options.forgetDropped) for (const [article, t] of this.byArticle) if (!this.threads.has(this.resolve(t))) this.byArticle.delete(article);
  }

  /** Threads that ended before this were dropped. */
  get evictedBefore(): number {
    return this.evictedUpTo;
  }

  private resolve(id: number): number {
    let r = id;
    while (this.mergedInto.has(r)) r = this.mergedInto.get(r)!;
    return r;
  }

  private reindex(t: Thread): void {
    for (const k of strongest(t.centroid, KEYS)) {
      if (t.keys.has(k)) continue;
      let set = this.index.get(k);
      if (!set) this.index.set(k, (set = new Set()));
      set.add(t.id);
      t.keys.add(k);
    }
  }

  private candidates(v: Map<string, number>, time: number | undefined): Set<number> {
    const out = new Set<number>();
    for (const k of strongest(v, KEYS)) {
      let n = 0;
      for (const tid of this.index.get(k) ?? []) {
        const t = this.threads.get(tid);
        if (!t) continue;
        if (time !== undefined && t.last !== undefined && Math.abs(time - t.last) > this.options.windowMs) continue;
        out.add(tid);
        // A term common to many threads says little; a handful of them is enough to look at.
        if (++n >= THREADS_PER_TERM) break;
      }
    }
    return out;
  }

  /** The article's vector, as the story grouper weighs it. */
  private vector(f: DocFeatures): Map<string, number> {
    return new Map(weightedTerms(f.body, this.weights, ARTICLE_TERMS));
  }
}

/** Keeps a centroid's heaviest terms. */
function prune(t: Thread): void {
  const kept = [...t.centroid.entries()].sort((a, b) => b[1] - a[1]).slice(0, CENTROID_TERMS);
  t.centroid = new Map(kept);
  t.norm2 = kept.reduce((s, [, w]) => s + w * w, 0);
}

function dot(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let d = 0;
  for (const [t, w] of small) d += w * (large.get(t) ?? 0);
  return d;
}

function strongest(v: Map<string, number>, k: number): string[] {
  return [...v.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([t]) => t);
}
