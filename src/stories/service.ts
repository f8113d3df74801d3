import type { DB, Store } from '../db/store.js';
import { StoryRepo, type MemberRow } from '../db/stories.js';
import { TopicDfStore } from '../db/idf-store.js';
import type { TopicConfig } from '../config/schema.js';
import type { IdfModel } from './idf.js';
import { StoryClusterer } from './clusterer.js';
import { docFeatures, docTerms, docTermsOf, type ClusterDoc, type DocFeatures } from './features.js';
import { EventModel } from './event-model.js';
import { ThreadTracker } from './threads.js';
import { TopicWeights, topicWords } from './weights.js';
import { FULL_SUMMARY_ARTICLES, GrowingSummary, summarise } from './summarise.js';
import { stripBoilerplate } from '../ingest/boilerplate.js';

export interface StoryArticle {
  id: number;
  title: string;
  description: string;
  body: string;
  publishedAt: number;
  /** The outlet (the article's source, else its feed's title). */
  source?: string | null;
}

export interface StoryChanges {
  created: Set<number>;
  updated: Set<number>;
  /** Stories folded into others in this run (their articles moved). */
  merged: Set<number>;
}

export interface StoryOptions {
  windowMs: number;
  /** Overrides of the learned decisions' probabilities (config `stories.joinProbability` …). */
  joinProbability?: number;
  mergeProbability?: number;
  threads: { threshold: number; mergeThreshold: number };
}

/** A topic's grouping state kept between runs (see `grouping`). */
interface LiveGrouping {
  clusterer: StoryClusterer;
  threads: ThreadTracker;
  /** Articles published from here on meet every story they could join. */
  coversFrom: number;
  /** The store's data version when this state was last written (another process's change moves it). */
  dataVersion: number;
  /** The last membership written: gone when the transaction that wrote it was rolled back. */
  lastWrite?: { articleId: number; storyId: number };
}

/** Large stories whose growing summaries are kept between runs (the others are rebuilt when they grow). */
const SUMMARY_CACHE_SIZE = 500;

/** Articles whose features are kept between runs. */
const FEATURE_CACHE_SIZE = 50_000;

/** Below this, a description is a teaser: the page's first lines say more. */
const MIN_LEAD = 80;

/** What the grouper reads of an article: the title, and the description or the body's first lines. */
export function clusterDocOf(a: Omit<StoryArticle, 'publishedAt'> & { publishedAt?: number }): ClusterDoc {
  const description = a.description.trim();
  const body = description.length >= MIN_LEAD ? '' : stripBoilerplate(a.body).split('\n').slice(0, 6).join(' ');
  return {
    id: a.id,
    title: a.title,
    lead: [description, body].filter(Boolean).join(' '),
    text: `${a.title}\n${a.description}\n${a.body}`,
    ...(a.publishedAt !== undefined ? { publishedAt: a.publishedAt } : {}),
    ...(a.source ? { source: a.source } : {}),
  };
}

/**
 * Assigns a topic's relevant articles to stories (events) and threads, and keeps the tables in
 * step. The grouper is rebuilt from the stories active around the new articles (bounded by the
 * time window, not the archive); features of articles already seen are cached between runs.
 * Stories a subscriber has received keep their identity: later reports join them, they are never
 * folded into another story. Its writes go through the transaction it is given; on PostgreSQL
 * one worker at a time holds this role (src/db/grouper-role.ts).
 */
export class StoryService {
  private readonly topicModels = new Map<string, IdfModel>();
  private readonly featureCache = new Map<number, DocFeatures>();
  private readonly topicWords = new Map<string, Set<string>>();
  private readonly growing = new Map<number, { summary: GrowingSummary; members: Set<number> }>();
  private readonly live = new Map<string, LiveGrouping>();
  /** Story ids reserved for the run in progress: the grouper names a story the moment it opens it. */
  private reserved: number[] = [];
  /** Of the stories held by the grouper in this run, those a subscriber has been sent. */
  private delivered = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly idf: IdfModel,
    private readonly topics: TopicConfig[],
    private readonly options: StoryOptions,
    private readonly clock: () => number = Date.now,
    private readonly model: EventModel = new EventModel(),
  ) {}

  /** Places the articles, inside `tx` (the caller's processing transaction). */
  async assign(tx: DB, topicId: string, articles: StoryArticle[]): Promise<StoryChanges> {
    const changes: StoryChanges = { created: new Set(), updated: new Set(), merged: new Set() };
    const repo = new StoryRepo(tx);
    const placed = await repo.inStoriesOf(articles.map((a) => a.id), topicId);
    const todo = articles.filter((a) => !placed.has(a.id)).sort((a, b) => a.publishedAt - b.publishedAt || a.id - b.id);
    if (!todo.length) return changes;
    const now = this.clock();
    const version = await this.store.dataVersion(tx);
    const g = await this.grouping(tx, topicId, todo[0]!.publishedAt, version);
    const { clusterer, threads } = g;
    const topicModel = await this.topicModel(tx, topicId);
    this.reserved = await repo.reserveIds(todo.length);
    this.delivered = await repo.deliveredAmong(clusterer.storyIds());
    // Memberships are written in batches; a merge (which moves memberships) writes them first.
    let members: Parameters<StoryRepo['addMembers']>[0][number][] = [];
    const flush = async () => {
      if (members.length) await repo.addMembers(members, now);
      members = [];
    };
    const threadOf = new Map<number, number>();
    try {
      // The topic's statistics learn the new articles first, as the global ones did at ingest.
      for (const a of todo) topicModel.observe(docTerms(this.features(a)));
      await new TopicDfStore(tx).flush(topicId, topicModel);
      for (const a of todo) {
        const f = this.features(a);
        const assignment = clusterer.add(clusterDocOf(a), f);
        const threadId = threads.add(a.id, f);
        if (assignment.isNew) await repo.create(assignment.storyId, topicId, a.title, a.publishedAt, now);
        if (assignment.merged) {
          await flush();
          await repo.merge(assignment.merged.from, assignment.storyId, now);
          changes.merged.add(assignment.merged.from);
          changes.created.delete(assignment.merged.from);
          changes.updated.delete(assignment.merged.from);
        }
        const evidence = assignment.features
          ? { probability: assignment.similarity, contributions: this.model.contributions(assignment.features).slice(0, 6) }
          : assignment.merged
            ? { merged: assignment.merged }
            : undefined;
        members.push({ storyId: assignment.storyId, articleId: a.id, similarity: assignment.similarity, reason: assignment.reason, evidence, threadId });
        if (!threadOf.has(assignment.storyId)) threadOf.set(assignment.storyId, threadId);
        const threadMerges = threads.takeMerges();
        if (threadMerges.length) {
          await flush();
          for (const [from, into] of threadMerges) {
            await repo.mergeThreads(from, into);
            for (const [sid, t] of threadOf) if (t === from) threadOf.set(sid, into);
          }
        }
        if (assignment.isNew) changes.created.add(assignment.storyId);
        else if (!changes.created.has(assignment.storyId)) changes.updated.add(assignment.storyId);
        g.lastWrite = { articleId: a.id, storyId: assignment.storyId };
      }
      await flush();
      for (const [storyId, threadId] of threadOf) await repo.setThreadIfUnset(storyId, threadId);
      await repo.refresh([...changes.created, ...changes.updated], now);
    } catch (err) {
      // The grouper took articles the database did not: it is rebuilt from the database next time.
      this.live.delete(topicId);
      throw err;
    }
    g.dataVersion = version;
    return changes;
  }

  /**
   * The grouper and thread tracker of a topic, kept from the last run when they still hold what
   * the database holds, else rebuilt from the stories active around `earliest`. Kept, the cost of
   * placing an article does not grow with the stories' sizes (a rebuild reads every member of
   * every active story). Rebuilt when another process changed the stories, when the last run's
   * writes were rolled back (the enclosing transaction failed after this one), or when `earliest`
   * is older than what the kept state covers.
   */
  private async grouping(tx: DB, topicId: string, earliest: number, version: number): Promise<LiveGrouping> {
    const windowMs = this.options.windowMs;
    const repo = new StoryRepo(tx);
    const kept = this.live.get(topicId);
    if (
      kept &&
      kept.dataVersion === version &&
      (kept.lastWrite === undefined || (await repo.storyOf(kept.lastWrite.articleId, topicId)) === kept.lastWrite.storyId) &&
      earliest >= kept.coversFrom &&
      earliest - windowMs >= Math.max(kept.clusterer.evictedBefore, kept.threads.evictedBefore)
    )
      return kept;
    this.live.delete(topicId);
    const topic = this.topics.find((t) => t.id === topicId);
    let words = this.topicWords.get(topicId);
    if (!words) this.topicWords.set(topicId, (words = topic ? topicWords(topic) : new Set()));
    const weights = new TopicWeights(this.idf, await this.topicModel(tx, topicId), words);
    // Stories stay in memory a window longer than they can take articles, so that reports
    // published a little before the newest do not force a rebuild.
    const retainMs = windowMs;
    const clusterer = new StoryClusterer(
      weights,
      {
        windowMs,
        retainMs,
        model: this.model,
        ...(this.options.joinProbability !== undefined ? { threshold: this.options.joinProbability } : {}),
        ...(this.options.mergeProbability !== undefined ? { mergeThreshold: this.options.mergeProbability } : {}),
        isDelivered: (id) => this.delivered.has(id),
      },
      () => {
        const id = this.reserved.shift();
        if (id === undefined) throw new Error('story grouper: no story id reserved');
        return id;
      },
    );
    const threads = new ThreadTracker(weights, { windowMs, retainMs, forgetDropped: true, ...this.options.threads }, await repo.maxThreadId());
    for (const m of await repo.activeMembers(topicId, earliest - windowMs)) {
      const f = this.features(memberArticle(m));
      clusterer.restore(m.story_id, f);
      if (m.thread_id !== null) threads.restore(m.article_id, m.thread_id, f);
    }
    const g: LiveGrouping = { clusterer, threads, coversFrom: earliest, dataVersion: version };
    this.live.set(topicId, g);
    return g;
  }

  /**
   * Rewrites the summary and headline of the given stories, in one transaction. A small story is
   * summarised from all its articles; a large one from its cached growing summary, which reads
   * only the articles added since (rebuilt from all of them when the cache lacks it or an article
   * left the story).
   */
  async summarise(storyIds: Iterable<number>): Promise<void> {
    const now = this.clock();
    const ids = [...storyIds];
    const input = (m: MemberRow) => ({ title: m.title, description: m.description, body: m.page_text ?? m.content });
    await this.store.transaction(
      async (tx) => {
        const repo = new StoryRepo(tx);
        for (const id of ids) {
          const memberIds = await repo.memberIds(id);
          if (!memberIds.length) continue;
          let s;
          if (memberIds.length <= FULL_SUMMARY_ARTICLES) {
            this.growing.delete(id);
            s = summarise((await repo.members(id)).map(input), this.idf);
          } else {
            let entry = this.growing.get(id);
            const current = new Set(memberIds);
            if (!entry || [...entry.members].some((m) => !current.has(m))) {
              entry = { summary: new GrowingSummary(this.idf), members: new Set() };
              if (this.growing.size >= SUMMARY_CACHE_SIZE) this.growing.delete(this.growing.keys().next().value!);
            }
            this.growing.delete(id);
            this.growing.set(id, entry); // most recently used last
            const added = memberIds.filter((m) => !entry.members.has(m));
            entry.summary.add((await repo.membersAmong(id, added)).map(input));
            for (const m of added) entry.members.add(m);
            s = entry.summary.summary();
          }
          await repo.setSummary(id, s.headline, s.text, now);
        }
      },
      { grouper: true },
    );
  }

  /**
   * Writes the summaries of the stories marked as changed, a few per transaction (short write
   * locks); what a crash interrupts is still marked and is written by the next run.
   */
  async summarisePending(batch = 20, maxBatches = 100): Promise<number> {
    let done = 0;
    const repo = new StoryRepo(this.store);
    for (let i = 0; i < maxBatches; i++) {
      const ids = await repo.needingSummary(batch);
      if (!ids.length) break;
      await this.summarise(ids);
      done += ids.length;
    }
    return done;
  }

  /** An article already in stories was edited: those stories change (span, summary). */
  async touchStoriesOf(tx: DB, articleId: number): Promise<number[]> {
    const now = this.clock();
    const repo = new StoryRepo(tx);
    const ids = await repo.storiesOfArticle(articleId);
    // The kept groupers hold the article's old text.
    if (ids.length) this.live.clear();
    await repo.stamp([articleId]);
    await repo.refresh(ids, now);
    for (const id of ids) this.growing.delete(id); // its text changed: the growing summary is rebuilt
    return ids;
  }

  private async topicModel(db: DB, topicId: string): Promise<IdfModel> {
    let m = this.topicModels.get(topicId);
    if (!m) this.topicModels.set(topicId, (m = await new TopicDfStore(db).load(topicId)));
    return m;
  }

  /**
   * New articles teach the global term statistics, on-topic or not. The features of those that
   * will be grouped are kept, so they are not analysed again; of the others only the terms are
   * read, and nothing is kept.
   */
  learn(articles: StoryArticle[], grouped: (articleId: number) => boolean = () => true): void {
    for (const a of articles) this.idf.observe(grouped(a.id) ? docTerms(this.features(a)) : docTermsOf(clusterDocOf(a)));
  }

  /** The articles' text changed (a page was fetched): their features must be computed again. */
  forget(ids: Iterable<number>): void {
    for (const id of ids) this.featureCache.delete(id);
  }

  private features(a: StoryArticle): DocFeatures {
    let f = this.featureCache.get(a.id);
    if (!f) {
      // Bounded: the articles of a few polls, not the archive.
      if (this.featureCache.size >= FEATURE_CACHE_SIZE) this.featureCache.clear();
      f = docFeatures(clusterDocOf(a));
      this.featureCache.set(a.id, f);
    }
    return f;
  }
}

function memberArticle(m: MemberRow): StoryArticle {
  return { id: m.article_id, title: m.title, description: m.description, body: m.page_text ?? m.content, publishedAt: m.published_at, source: m.source ?? m.feed_title };
}
