import { docFeatures, type ClusterDoc, type DocFeatures } from './features.js';
import { NEAR_COPY_BITS, hamming, simhashBands } from './simhash.js';
import { weightedTerms, type TermWeighter } from './weights.js';
import type { EventModel } from './event-model.js';
import { joinFeatures, mergeFeatures, relate, summariseNames, type JoinFeatures, type MergeFeatures, type StoryMember, type StoryView } from './pair-features.js';
import { EMPTY, Vocabulary, add as addVectors, dot, fromPairs, heaviest, norm2, strongest, type SparseVector } from './vectors.js';

export type { ClusterDoc, DocFeatures };

export type JoinReason = 'first' | 'same-title' | 'near-copy' | 'similar';

export interface Assignment {
  storyId: number;
  /** For 'similar': the model's probability that the article reports the story's event. */
  similarity: number;
  reason: JoinReason;
  isNew: boolean;
  /** For 'similar': the comparison that decided it (what `explain` shows). */
  features?: JoinFeatures;
  /** A story folded into `storyId` after this article joined (its articles now belong there). */
  merged?: { from: number; probability: number };
}

export interface ClusterOptions {
  /** A story takes new articles only within this distance of its own time span. */
  windowMs: number;
  /** How much longer than the window a story stays in memory (for reports that arrive late). */
  retainMs?: number;
  /** The learned decisions: when an article joins a story, when two stories are one. */
  model: EventModel;
  /** Overrides the model's join threshold (probability 0..1). */
  threshold?: number;
  /** Overrides the model's merge threshold; above 1 turns merging off. */
  mergeThreshold?: number;
  /**
   * Stories a subscriber has already received: they keep their identity, so one of them is never
   * folded into another story (another story may be folded into it).
   */
  isDelivered?: (storyId: number) => boolean;
}

interface StoryState extends StoryView {
  id: number;
  /** The exact sum of the core's text vectors (`bodySum` is its heaviest terms). */
  bodyFull: SparseVector;
  keys: Set<number>;
  titles: Set<string>;
  hashes: [number, number][];
}

/** A story's first reports: its core, what new articles are compared with. */
const CORE_SIZE = 8;
/** An article's strongest terms, which look up candidate stories. */
const CANDIDATE_TERMS = 10;
const MAX_HASHES = 50;
/** Terms kept per article vector. */
const MAX_TERMS = 60;
/** Terms of a core's text centroid used in comparisons: twice an article's, the rest is long tail. */
const CENTROID_TERMS = 120;
/** Stories begun this close in time are always compared, whatever words they share. */
const NEIGHBOUR_MS = 36 * 3_600_000;
const MAX_NEIGHBOURS = 30;
/** Candidates compared in full: the closest by text, and by time. */
const SHORTLIST = 6;
const SHORTLIST_BY_TIME = 3;
/** Stories looked up per term, newest first. */
const MAX_POSTINGS = 10;

/**
 * Online event grouping. Articles arrive in published order; each is first folded into a story
 * holding a copy of it (same normalised title, or SimHash within 6 bits), else compared with the
 * candidate stories (those sharing one of its strongest terms, and those begun close in time)
 * and joins the most probable one when the learned model says it reports the same event, else
 * opens a new story. Undated stories that grew are then compared with their neighbours and
 * folded together when the merge rule says they are one event; dated stories are never merged
 * (src/eval/train.ts says why).
 *
 * A story is compared through its core, its first reports, never through everything it has
 * absorbed: a centroid that drifts with every member chains one event to the next ("Germany
 * pledges a Patriot" → "Patriot arrives" → "Russia strikes the Patriot"). Cost per article
 * depends on the stories active in the window, not on the archive or on a story's size.
 */
export class StoryClusterer {
  private readonly stories = new Map<number, StoryState>();
  /** Story ids in creation order (dead entries dropped lazily), for the time neighbours. */
  private created: number[] = [];
  /** Term id → stories posted under it, oldest first (dead entries dropped lazily). */
  private readonly index = new Map<number, number[]>();
  private readonly vocabulary = new Vocabulary();
  private sinceCompaction = 0;
  private readonly titleIndex = new Map<string, number>();
  private readonly bandIndex = new Map<string, Set<number>>();
  private latest = -Infinity;
  private readonly recent = new RecentTerms(NEIGHBOUR_MS);
  private sinceEviction = 0;
  private evictedUpTo = -Infinity;

  constructor(
    private readonly weights: TermWeighter,
    private readonly options: ClusterOptions,
    /** Makes the id of a new story (the database's row id in production). */
    private readonly newStoryId: () => number = counter(),
  ) {}

  /** Stories that ended before this were dropped: an article needs those ending within a window of it. */
  get evictedBefore(): number {
    return this.evictedUpTo;
  }

  get activeStories(): number {
    return this.stories.size;
  }

  /** The ids of the stories held (those an article may still join or be compared with). */
  storyIds(): number[] {
    return [...this.stories.keys()];
  }

  /** Places a document; returns its story and what put it there. */
  add(doc: ClusterDoc, f: DocFeatures = docFeatures(doc)): Assignment {
    if (f.publishedAt !== undefined) this.evict(f.publishedAt);
    this.recent.add(f.publishedAt, this.termIds(f));
    this.compact();
    const member = this.member(f);

    const byTitle = f.titleKey ? this.titleIndex.get(f.titleKey) : undefined;
    if (byTitle !== undefined && this.inWindow(this.stories.get(byTitle), f.publishedAt)) {
      this.join(byTitle, f, member);
      return this.afterJoin({ storyId: byTitle, similarity: 1, reason: 'same-title', isNew: false });
    }
    if (f.hash) {
      for (const band of simhashBands(f.hash)) {
        for (const sid of this.bandIndex.get(band) ?? []) {
          const s = this.stories.get(sid);
          if (s && this.inWindow(s, f.publishedAt) && s.hashes.some((h) => hamming(h, f.hash!) <= NEAR_COPY_BITS)) {
            this.join(sid, f, member);
            return this.afterJoin({ storyId: sid, similarity: 1, reason: 'near-copy', isNew: false });
          }
        }
      }
    }

    const model = this.options.model;
    let best: { id: number; p: number; x: JoinFeatures } | undefined;
    const compared = this.shortlist(this.candidates(f.publishedAt, member.body), member).map((sid) => ({ sid, x: joinFeatures(member, this.stories.get(sid)!, this.recent.factor) }));
    relate(compared.map((c) => c.x));
    for (const { sid, x } of compared) {
      const p = model.joinProbability(x);
      if (p >= (this.options.threshold ?? model.joinThreshold(x)) && (!best || p > best.p)) best = { id: sid, p, x };
    }
    if (best) {
      this.join(best.id, f, member);
      return this.afterJoin({ storyId: best.id, similarity: round(best.p), reason: 'similar', isNew: false, features: best.x });
    }
    const id = this.newStoryId();
    this.stories.set(id, emptyStory(id));
    this.created.push(id);
    this.join(id, f, member);
    return { storyId: id, similarity: 1, reason: 'first', isNew: true };
  }

  /** Puts a document into a known story without comparing (restoring state from the database). */
  restore(storyId: number, f: DocFeatures): void {
    this.recent.add(f.publishedAt, this.termIds(f));
    if (!this.stories.has(storyId)) {
      this.stories.set(storyId, emptyStory(storyId));
      this.created.push(storyId);
    }
    this.join(storyId, f, this.member(f));
  }

  /** Every candidate story of a document (and `also`, if given and active), with the comparison (for training). */
  compareAll(f: DocFeatures, also?: number): { storyId: number; x: JoinFeatures }[] {
    const member = this.member(f);
    const ids = this.shortlist(this.candidates(f.publishedAt, member.body), member);
    if (also !== undefined && !ids.includes(also) && this.inWindow(this.stories.get(also), f.publishedAt)) ids.push(also);
    const out = ids.map((sid) => ({ storyId: sid, x: joinFeatures(member, this.stories.get(sid)!, this.recent.factor) }));
    relate(out.map((c) => c.x));
    return out;
  }

  /** The stories a story could be folded with, with the comparison (for training and merging). */
  mergeCandidates(storyId: number): { storyId: number; x: MergeFeatures }[] {
    const s = this.stories.get(storyId);
    if (!s) return [];
    const out: { storyId: number; x: MergeFeatures }[] = [];
    for (const other of this.shortlist(this.candidates(s.first, s.bodySum), { body: s.bodySum, publishedAt: s.first })) {
      if (other === storyId) continue;
      out.push({ storyId: other, x: mergeFeatures(s, this.stories.get(other)!, this.weights) });
    }
    return out;
  }

  /** After a story grew: fold in the one neighbour the merge model is surest reports its event. */
  private afterJoin(a: Assignment): Assignment {
    const model = this.options.model;
    const grown = this.stories.get(a.storyId)!;
    const timeKnown = grown.first !== undefined;
    // Merging off for this kind of story (dated news: see src/eval/train.ts): skip the comparisons.
    if ((this.options.mergeThreshold ?? model.mergeThreshold({ timeKnown })) > 1) return a;
    const delivered = this.options.isDelivered ?? (() => false);
    let best: { id: number; p: number } | undefined;
    for (const c of this.mergeCandidates(a.storyId)) {
      if (delivered(a.storyId) && delivered(c.storyId)) continue;
      const p = model.mergeProbability(c.x);
      if (p >= (this.options.mergeThreshold ?? model.mergeThreshold(c.x)) && (!best || p > best.p)) best = { id: c.storyId, p };
    }
    if (!best) return a;
    const other = this.stories.get(best.id)!;
    // The story a subscriber saw survives; else the one that was reported first.
    const keepOther = delivered(other.id) || (!delivered(grown.id) && (other.first ?? 0) < (grown.first ?? 0));
    const [into, from] = keepOther ? [other, grown] : [grown, other];
    this.absorb(into, from);
    return { ...a, storyId: into.id, merged: { from: from.id, probability: round(best.p) } };
  }

  private absorb(into: StoryState, from: StoryState): void {
    const members = [...into.core, ...from.core].sort((x, y) => (x.publishedAt ?? 0) - (y.publishedAt ?? 0));
    this.unindex(into);
    this.unindex(from);
    this.stories.delete(from.id);
    const size = into.size + from.size;
    const first = minDefined(into.first, from.first);
    const last = maxDefined(into.last, from.last);
    const titles = new Set([...into.titles, ...from.titles]);
    const hashes = [...into.hashes, ...from.hashes].slice(0, MAX_HASHES);
    Object.assign(into, emptyStory(into.id));
    for (const m of members.slice(0, CORE_SIZE)) this.addToCore(into, m);
    into.size = size;
    if (first !== undefined) into.first = first;
    if (last !== undefined) into.last = last;
    for (const t of titles) {
      into.titles.add(t);
      this.titleIndex.set(t, into.id);
    }
    for (const h of hashes) this.addHash(into, h);
  }

  private member(f: DocFeatures): StoryMember {
    const names = new Map<string, number>();
    for (const n of f.names) names.set(n, this.weights.weight(n));
    // The text's terms are the headline's and the lead's: as many as the headline's, no lead.
    const headlineOnly = f.body.size === f.title.size;
    return { title: this.vector(f.title), body: this.vector(f.body), names, head: f.head, ...(f.actor ? { actor: f.actor } : {}), ...(f.source ? { source: f.source } : {}), publishedAt: f.publishedAt, headlineOnly };
  }

  private termIds(f: DocFeatures): number[] {
    return [...f.body.keys()].map((t) => this.vocabulary.id(t));
  }

  private vector(counts: Map<string, number>): SparseVector {
    return fromPairs(weightedTerms(counts, this.weights, MAX_TERMS).map(([t, w]) => [this.vocabulary.id(t), w]));
  }

  /**
   * The candidates worth a full comparison: the closest by text, and the closest in time (reports
   * of one attack in different words). Bounds the cost per article however busy the window is.
   */
  private shortlist(ids: Set<number>, m: Pick<StoryMember, 'body' | 'publishedAt'>): number[] {
    if (ids.size <= SHORTLIST + SHORTLIST_BY_TIME) return [...ids];
    const byText = new TopK(SHORTLIST);
    const byTime = new TopK(SHORTLIST + SHORTLIST_BY_TIME);
    for (const id of ids) {
      const s = this.stories.get(id)!;
      byText.offer(id, s.bodyNorm2 > 0 ? dot(m.body, s.bodySum) / Math.sqrt(s.bodyNorm2) : 0);
      if (m.publishedAt !== undefined && s.first !== undefined) byTime.offer(id, -Math.abs(m.publishedAt - s.first));
    }
    const chosen = new Set(byText.ids());
    for (const id of byTime.ids()) {
      if (chosen.size >= SHORTLIST + SHORTLIST_BY_TIME) break;
      chosen.add(id);
    }
    return [...chosen];
  }

  /**
   * Stories that share one of the strongest terms of `vector`, and every story that began close
   * to `t`: reports of one attack written in different words ("blitz", "barrage", "strikes")
   * share little vocabulary but the hour.
   */
  private candidates(t: number | undefined, vector: SparseVector): Set<number> {
    const out = new Set<number>();
    for (const k of strongest(vector, CANDIDATE_TERMS)) {
      // Newest first, and only so many: a term common to thousands of undated headlines must not
      // make every article compare with thousands of stories.
      const posting = this.index.get(k);
      if (!posting) continue;
      let n = 0;
      // Postings are in about time order: look at the newest few only.
      for (let i = posting.length - 1, seen = 0; i >= 0 && n < MAX_POSTINGS && seen < 4 * MAX_POSTINGS; i--, seen++) {
        const sid = posting[i]!;
        const s = this.stories.get(sid);
        if (!s || !s.keys.has(k) || !this.inWindow(s, t)) continue;
        out.add(sid);
        n++;
      }
    }
    if (t !== undefined) {
      let n = 0;
      // Newest first; stories are created about in time order, so once they began long before
      // `t` the rest did too.
      for (let i = this.created.length - 1; i >= 0 && n < MAX_NEIGHBOURS; i--) {
        const s = this.stories.get(this.created[i]!);
        if (!s || s.first === undefined) continue;
        if (t - s.first > 2 * NEIGHBOUR_MS) break;
        if (Math.abs(t - s.first) > NEIGHBOUR_MS) continue;
        out.add(s.id);
        n++;
      }
    }
    return out;
  }

  private inWindow(s: StoryState | undefined, t: number | undefined): boolean {
    if (!s) return false;
    if (t === undefined || s.last === undefined || s.first === undefined) return true;
    return t - s.last <= this.options.windowMs && s.first - t <= this.options.windowMs;
  }

  private join(id: number, f: DocFeatures, m: StoryMember): void {
    const s = this.stories.get(id)!;
    if (s.core.length < CORE_SIZE) this.addToCore(s, m);
    if (f.titleKey) {
      s.titles.add(f.titleKey);
      this.titleIndex.set(f.titleKey, id);
    }
    if (f.hash && s.hashes.length < MAX_HASHES) this.addHash(s, f.hash);
    s.size++;
    if (f.publishedAt !== undefined) {
      s.first = Math.min(s.first ?? f.publishedAt, f.publishedAt);
      s.last = Math.max(s.last ?? f.publishedAt, f.publishedAt);
    }
  }

  private addToCore(s: StoryState, m: StoryMember): void {
    s.core.push(m);
    if (m.headlineOnly) s.headlineCore++;
    s.titleSum = addVectors(s.titleSum, m.title);
    s.bodyFull = addVectors(s.bodyFull, m.body);
    s.bodySum = heaviest(s.bodyFull, CENTROID_TERMS);
    s.titleNorm2 = norm2(s.titleSum);
    s.bodyNorm2 = norm2(s.bodySum);
    for (const n of m.names.keys()) s.names.set(n, (s.names.get(n) ?? 0) + 1);
    summariseNames(s, this.weights);
    for (const k of strongest(m.body, CANDIDATE_TERMS)) {
      if (s.keys.has(k)) continue;
      let posting = this.index.get(k);
      if (!posting) this.index.set(k, (posting = []));
      posting.push(s.id);
      s.keys.add(k);
    }
  }

  private addHash(s: StoryState, h: [number, number]): void {
    s.hashes.push(h);
    for (const band of simhashBands(h)) {
      let set = this.bandIndex.get(band);
      if (!set) this.bandIndex.set(band, (set = new Set()));
      set.add(s.id);
    }
  }

  /** Takes a story out of every index. */
  private unindex(s: StoryState): void {
    // Postings are cleaned lazily (compact()): the story's keys are cleared, so its entries read as dead.
    s.keys.clear();
    for (const t of s.titles) if (this.titleIndex.get(t) === s.id) this.titleIndex.delete(t);
    for (const h of s.hashes) {
      for (const band of simhashBands(h)) {
        const set = this.bandIndex.get(band);
        set?.delete(s.id);
        if (set && set.size === 0) this.bandIndex.delete(band);
      }
    }
  }

  /** Removes dead entries from the postings; amortised over many documents. */
  private compact(): void {
    if (++this.sinceCompaction < 4096) return;
    this.sinceCompaction = 0;
    for (const [k, posting] of this.index) {
      const live = posting.filter((sid) => this.stories.get(sid)?.keys.has(k));
      if (live.length) this.index.set(k, [...new Set(live)]);
      else this.index.delete(k);
    }
    this.created = this.created.filter((id) => this.stories.has(id));
  }

  /** Drops stories that ended more than a window before `now`; amortised over many documents. */
  private evict(now: number): void {
    this.latest = Math.max(this.latest, now);
    if (++this.sinceEviction < 256) return;
    this.sinceEviction = 0;
    const cutoff = this.latest - this.options.windowMs - (this.options.retainMs ?? 0);
    this.evictedUpTo = Math.max(this.evictedUpTo, cutoff);
    for (const s of this.stories.values()) {
      if (s.last === undefined || s.last >= cutoff) continue;
      this.unindex(s);
      this.stories.delete(s.id);
    }
  }
}

/**
 * Document frequencies over the articles of the last hours: within a burst of reports, the words
 * they all share ("Kyiv", "barrage") separate nothing, and what sets one event apart
 * ("daytime", "Belarus") is rare among them. Indexed by term id: it is read for every term of
 * every comparison.
 */
class RecentTerms {
  private readonly queue: { t: number; terms: number[] }[] = [];
  private head = 0;
  private df = new Int32Array(1024);
  /** Factors of this moment; valid where `stamps` holds the current `version`. */
  private factors = new Float64Array(1024);
  private stamps = new Int32Array(1024);
  private version = 1;

  constructor(private readonly spanMs: number) {}

  add(t: number | undefined, terms: number[]): void {
    if (t === undefined) return;
    this.version++;
    this.queue.push({ t, terms });
    for (const id of terms) {
      this.grow(id);
      this.df[id]!++;
    }
    // Articles come in time order: the oldest leave from the front.
    while (this.head < this.queue.length && this.queue[this.head]!.t < t - this.spanMs) {
      for (const id of this.queue[this.head]!.terms) this.df[id]!--;
      this.head++;
    }
    if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  readonly factor = (id: number): number => {
    if (id >= this.df.length) this.grow(id);
    if (this.stamps[id] !== this.version) {
      const n = this.queue.length - this.head;
      this.factors[id] = Math.log((n + 1) / (this.df[id]! + 1)) + 1;
      this.stamps[id] = this.version;
    }
    return this.factors[id]!;
  };

  private grow(id: number): void {
    if (id < this.df.length) return;
    let size = this.df.length;
    while (size <= id) size *= 2;
    const df = new Int32Array(size), factors = new Float64Array(size), stamps = new Int32Array(size);
    df.set(this.df);
    factors.set(this.factors);
    stamps.set(this.stamps);
    this.df = df;
    this.factors = factors;
    this.stamps = stamps;
  }
}

/** The `k` ids with the highest scores offered, best first, in O(n·k) for a small k. */
class TopK {
  private readonly best: { id: number; score: number }[] = [];

  constructor(private readonly k: number) {}

  offer(id: number, score: number): void {
    if (this.best.length === this.k && score <= this.best[this.k - 1]!.score) return;
    let i = this.best.length === this.k ? this.k - 1 : this.best.length;
    while (i > 0 && this.best[i - 1]!.score < score) i--;
    this.best.splice(i, 0, { id, score });
    if (this.best.length > this.k) this.best.pop();
  }

  ids(): number[] {
    return this.best.map((b) => b.id);
  }
}

function emptyStory(id: number): StoryState {
  return { id, size: 0, core: [], titleSum: EMPTY, titleNorm2: 0, bodySum: EMPTY, bodyFull: EMPTY, bodyNorm2: 0, names: new Map(), majorNames: new Map(), figures: 0, headlineCore: 0, keys: new Set(), titles: new Set(), hashes: [] };
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function counter(): () => number {
  let n = 0;
  return () => ++n;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
