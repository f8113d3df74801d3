import type { LoadedConfig } from './config/load.js';
import type { DB, Store } from './db/store.js';
import { GrouperRole, GrouperRoleLost } from './db/grouper-role.js';
import type { FeedRow } from './db/feeds.js';
import { ArticleRepo, type ProcessableArticle } from './db/articles.js';
import { TopicDecisionRepo } from './db/topics.js';
import { IdfStore } from './db/idf-store.js';
import { WriteBatcher } from './db/write-batcher.js';
import type { Logger } from './logger.js';
import type { FeedPollResult, Poller } from './ingest/poller.js';
import { AddressPolicy } from './ingest/address-policy.js';
import { PageFetcher, type PageResult } from './ingest/page-fetcher.js';
import { isDatabaseError, isLockError, retryOnLock } from './db/lock-retry.js';
import type { Metrics } from './metrics.js';
import type { HealthMonitor } from './health.js';
import { TopicMatcher, type TopicDecision } from './topics/matcher.js';
import type { IdfModel } from './stories/idf.js';
import { StoryService, type StoryArticle } from './stories/service.js';

export interface PollReport {
  feeds: FeedPollResult[];
  newArticles: number;
  updatedArticles: number;
  failedFeeds: number;
  /** Articles processed (topics, statistics, stories) in this run, new or left from before. */
  processedArticles: number;
  /** Articles found on some topic, among those processed. */
  relevantArticles: number;
  pagesFetched: number;
  newStories: number;
  updatedStories: number;
  /** Articles still waiting (for their page, or for the database), processed by the next run. */
  pendingArticles: number;
  durationMs: number;
}

export interface ProcessResult {
  processedArticles: number;
  relevantArticles: number;
  pagesFetched: number;
  newStories: number[];
  updatedStories: number[];
  pendingArticles: number;
}

export interface ProcessOptions {
  /**
   * How long a run waits for the article pages it started: the worker waits a little and lets
   * slow pages finish in the background (their articles wait for the next tick); the CLI waits.
   */
  pageWaitMs?: number;
  /** Called as each feed's poll ends (the CLI prints progress). */
  onFeed?: (result: FeedPollResult, done: number, total: number) => void;
}

/**
 * Articles read and committed together, in one write transaction (about 40 ms for 1,000 on this
 * project's bench machine). Not smaller: each commit writes every page it dirtied to the WAL,
 * and a batch's term statistics touch pages all over the term table, so the cost of the commits
 * grows with their number (200 per batch cost 1 s more CPU for 50,000 articles than 1,000).
 */
const BATCH = 1000;
/** Batches per run at most, so one run cannot hold the worker's tick for long. */
const MAX_BATCHES = 10;

function storyArticle(a: ProcessableArticle): StoryArticle {
  return { id: a.id, title: a.title, description: a.description, body: a.page_text ?? a.content, publishedAt: a.published_at, source: a.source };
}

type Judged = { article: ProcessableArticle; decisions: TopicDecision[]; topics: string[] };

/**
 * One run of the data flow: poll feeds, then process what is stored and not yet processed:
 * decide topics, fetch thin on-topic articles' pages, learn term statistics, assign stories,
 * and write the changed stories' summaries. An article is marked processed in the transaction
 * that stores its decisions and its story, so a crash or a lock at any point loses nothing: what
 * is unprocessed is found again by the next run (and at start), and never processed twice.
 * Processing is the story grouper's work: on PostgreSQL one worker at a time does it (the
 * others poll, store and send), see {@link GrouperRole}.
 */
export class Pipeline {
  private readonly matchers: TopicMatcher[];
  private idfModel: Promise<IdfModel> | undefined;
  private storyService: Promise<StoryService> | undefined;
  private roleGeneration = 0;
  readonly pages: PageFetcher;
  readonly role: GrouperRole;
  private readonly pageWrites: WriteBatcher;

  constructor(
    readonly store: Store,
    readonly config: LoadedConfig,
    readonly poller: Poller,
    readonly log: Logger,
    readonly clock: () => number,
    readonly policy: AddressPolicy = new AddressPolicy(config.fetch.allowHosts),
    private readonly observe: { metrics?: Metrics; health?: HealthMonitor } = {},
  ) {
    this.matchers = config.topics.map((t) => new TopicMatcher(t));
    const f = config.fetch;
    this.pages = new PageFetcher({ timeoutMs: f.timeout, maxBytes: f.maxBytes, maxRedirects: f.maxRedirects, userAgent: f.userAgent }, policy, f.pageConcurrency);
    this.role = new GrouperRole(store);
    this.pageWrites = new WriteBatcher(store);
  }

  /** The IDF model, loaded from the database on first use (through `db`: a caller's transaction). */
  idf(db: DB = this.store): Promise<IdfModel> {
    const p = (this.idfModel ??= new IdfStore(db).load());
    p.catch(() => (this.idfModel = undefined));
    return p;
  }

  stories(): Promise<StoryService> {
    const s = this.config.stories;
    const p = (this.storyService ??= this.idf().then(
      (idf) =>
        new StoryService(
          this.store,
          idf,
          this.config.topics,
          {
            windowMs: s.window,
            ...(s.joinProbability !== undefined ? { joinProbability: s.joinProbability } : {}),
            ...(s.mergeProbability !== undefined ? { mergeProbability: s.mergeProbability === 'off' ? 2 : s.mergeProbability } : {}),
            threads: s.threads,
          },
          this.clock,
        ),
    ));
    p.catch(() => (this.storyService = undefined));
    return p;
  }

  /**
   * The in-memory statistics may hold what a failed transaction did not store, or what retention
   * (or another grouper, before this process took the role) has since changed: read them again.
   */
  resetCaches(): void {
    this.idfModel = undefined;
    this.storyService = undefined;
  }

  async poll(feeds?: FeedRow[], options: ProcessOptions = {}): Promise<PollReport> {
    return this.run(() => this.poller.pollAll(feeds, options.onFeed), options);
  }

  async pollDue(options: ProcessOptions = { pageWaitMs: 5000 }): Promise<PollReport> {
    return this.run(() => this.poller.pollDue(), options);
  }

  private async run(poll: () => Promise<FeedPollResult[]>, options: ProcessOptions): Promise<PollReport> {
    const started = performance.now();
    const { metrics, health } = this.observe;
    health?.pollStarted();
    try {
      const results = metrics ? await metrics.time('poll', poll) : await poll();
      return await this.report(results, started, options);
    } finally {
      health?.pollFinished();
    }
  }

  /** Processes the stored articles not processed yet, in batches, then writes changed summaries. */
  async processPending(options: ProcessOptions = {}): Promise<ProcessResult> {
    const total: ProcessResult = { processedArticles: 0, relevantArticles: 0, pagesFetched: 0, newStories: [], updatedStories: [], pendingArticles: 0 };
    const articles = new ArticleRepo(this.store);
    if (!(await this.takeRole())) {
      // Another worker groups the stories; it processes what this one stored.
      total.pendingArticles = await articles.pendingCount();
      return total;
    }
    const created = new Set<number>();
    const updated = new Set<number>();
    let after = 0;
    let pagesLeft = this.config.fetch.pageBudget;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const ids = await articles.pending(BATCH, after);
      if (!ids.length) break;
      after = ids[ids.length - 1]!;
      const batch = await this.processBatch(ids, pagesLeft, options);
      pagesLeft -= batch.pagesStarted;
      total.processedArticles += batch.processed;
      total.relevantArticles += batch.relevant;
      total.pagesFetched += batch.pagesFetched;
      batch.created.forEach((id) => created.add(id));
      batch.updated.forEach((id) => updated.add(id));
      if (batch.roleLost) break;
    }
    try {
      const stories = await this.stories();
      const summarise = () => retryOnLock(() => stories.summarisePending());
      await (this.observe.metrics ? this.observe.metrics.time('summarise', summarise) : summarise());
    } catch (err) {
      if (isDatabaseError(err) && !isLockError(err)) this.observe.health?.writeFailed(err);
      // The stories stay marked; the next run writes their summaries.
      this.log.warn({ err: (err as Error).message }, 'summaries postponed');
    }
    total.newStories = [...created];
    total.updatedStories = [...updated].filter((id) => !created.has(id));
    total.pendingArticles = await articles.pendingCount();
    return total;
  }

  /** Whether this process is the grouper now (always on SQLite); a role taken anew starts from fresh caches. */
  private async takeRole(): Promise<boolean> {
    if (!(await this.role.acquire())) return false;
    if (this.role.generation !== this.roleGeneration) {
      if (this.store.engine === 'postgres') this.log.info('took the story grouper role: this worker processes the stored articles (topics, stories, summaries)');
      this.roleGeneration = this.role.generation;
      this.resetCaches();
    }
    return true;
  }

  private async processBatch(ids: number[], pageBudget: number, options: ProcessOptions) {
    const out = { processed: 0, relevant: 0, pagesFetched: 0, pagesStarted: 0, created: new Set<number>(), updated: new Set<number>(), roleLost: false };
    const articles = new ArticleRepo(this.store);
    const rows = await articles.getMany(ids);
    const now = this.clock();
    const stories = await this.stories();
    // An edited article is analysed again.
    stories.forget(rows.filter((a) => a.learned).map((a) => a.id));
    let judged = rows.map((a) => this.judge(a));

    // Thin on-topic articles wait for their page (fetched once, in its own pool and budget).
    const waits: Promise<unknown>[] = [];
    const asked = new Set<number>();
    const waiting = new Set<number>();
    for (const j of judged) {
      const a = j.article;
      if (!j.topics.length || !this.config.articles.fetchPages || a.page_fetched_at !== null) continue;
      if (`${a.description}\n${a.content}`.length >= this.config.articles.minTextChars) continue;
      if (!this.pages.isFetching(a.id)) {
        if (out.pagesStarted >= pageBudget) {
          waiting.add(a.id);
          continue;
        }
        out.pagesStarted++;
      }
      waiting.add(a.id);
      asked.add(a.id);
      waits.push(this.pages.fetch(a.id, a.link).then((r) => this.storePage(a.id, r)).then(() => waiting.delete(a.id)));
    }
    if (waits.length) await waitAtMost(Promise.allSettled(waits), options.pageWaitMs);
    if (waits.length || waiting.size) {
      const fetched = new Set([...asked].filter((id) => !waiting.has(id)));
      if (fetched.size) {
        stories.forget(fetched);
        const again = new Map((await articles.getMany([...fetched])).map((a) => [a.id, a]));
        judged = judged.map((j) => (again.has(j.article.id) ? this.judge(again.get(j.article.id)!) : j));
        out.pagesFetched = [...again.values()].filter((a) => a.page_text).length;
      }
      judged = judged.filter((j) => !waiting.has(j.article.id));
    }
    if (!judged.length) return out;

    try {
      const commit = () => retryOnLock(() => this.commit(judged, now));
      const result = await (this.observe.metrics ? this.observe.metrics.time('process', commit) : commit());
      this.observe.health?.writeSucceeded();
      Object.assign(out, { processed: result.processed, relevant: result.relevant, created: result.created, updated: result.updated });
    } catch (err) {
      this.resetCaches();
      if (err instanceof GrouperRoleLost) {
        this.log.warn({ articles: judged.length }, `processing stopped: ${err.message}`);
        out.roleLost = true;
        return out;
      }
      if (isLockError(err)) {
        this.log.warn({ articles: judged.length }, 'processing postponed: the database stayed locked; the next run takes these articles');
        return out;
      }
      if (isDatabaseError(err)) {
        // Disk full, I/O error: nothing is wrong with the articles; they wait, /healthz says why.
        this.observe.health?.writeFailed(err);
        this.log.error({ articles: judged.length, code: (err as { code?: string }).code }, `processing postponed: database error: ${(err as Error).message}`);
        return out;
      }
      if (judged.length === 1) {
        // One article that cannot be processed is set aside with the reason, not retried forever.
        const a = judged[0]!.article;
        this.log.error({ article: a.id, url: a.url, err: (err as Error).message }, 'article could not be processed; set aside');
        await retryOnLock(() => articles.markProcessed([a.id], now, (err as Error).message));
        return out;
      }
      // Find the article that fails: the others are processed one by one.
      for (const j of judged) {
        const one = await this.processBatch([j.article.id], 0, { pageWaitMs: 0 });
        out.processed += one.processed;
        out.relevant += one.relevant;
        one.created.forEach((id) => out.created.add(id));
        one.updated.forEach((id) => out.updated.add(id));
        if (one.roleLost) {
          out.roleLost = true;
          break;
        }
      }
    }
    return out;
  }

  /** Topic decisions of one article (not stored yet). */
  private judge(a: ProcessableArticle): Judged {
    const decisions = this.matchers.map((m) => m.match({ title: a.title, description: a.description, body: a.page_text ?? a.content, url: a.url }));
    return { article: a, decisions, topics: decisions.filter((d) => d.relevant).map((d) => d.topicId) };
  }

  private async storePage(id: number, r: PageResult): Promise<void> {
    if (r.error?.startsWith('refused')) this.log.info({ article: id }, `article page not fetched: ${r.error}`);
    else if (r.error !== null) this.log.debug({ article: id, err: r.error }, 'article page not used');
    // Keep the feed text on failure; the failure is remembered so the page is not fetched again.
    // Pages that arrive together are stored in one commit (the batcher retries on locks).
    await this.pageWrites.run((tx) => new ArticleRepo(tx).setPageText(id, r.text, r.error, this.clock()));
  }

  /**
   * One write transaction (SQLite: IMMEDIATE, the write lock first, so two processes serialise
   * here): the articles still unprocessed and unchanged since they were read teach the term
   * statistics, get their decisions and stories, and are marked processed, all or nothing.
   */
  private async commit(judged: Judged[], now: number) {
    const created = new Set<number>();
    const updated = new Set<number>();
    const stories = await this.stories();
    const idf = await this.idf();
    const { processed, relevant } = await this.store.transaction(
      async (tx) => {
        await this.role.verify(tx);
        const articles = new ArticleRepo(tx);
        const still = await articles.stillPending(judged.map((j) => ({ id: j.article.id, updatedAt: j.article.updated_at })));
        const fresh = judged.filter((j) => still.has(j.article.id));
        if (!fresh.length) return { processed: 0, relevant: 0 };
        const onTopic = new Set(fresh.filter((j) => j.topics.length).map((j) => j.article.id));
        stories.learn(
          fresh.filter((j) => !j.article.learned).map((j) => storyArticle(j.article)),
          (id) => onTopic.has(id),
        );
        await new IdfStore(tx).flush(idf);
        await new TopicDecisionRepo(tx).saveMany(
          fresh.flatMap((j) => j.decisions.map((decision) => ({ articleId: j.article.id, decision }))),
          now,
        );
        // Edited articles already in stories change those stories.
        for (const j of fresh) if (j.article.learned) (await stories.touchStoriesOf(tx, j.article.id)).forEach((id) => updated.add(id));
        for (const matcher of this.matchers) {
          const topicArticles = fresh.filter((j) => j.topics.includes(matcher.topic.id)).map((j) => storyArticle(j.article));
          if (!topicArticles.length) continue;
          const changes = await stories.assign(tx, matcher.topic.id, topicArticles);
          changes.created.forEach((id) => created.add(id));
          changes.updated.forEach((id) => updated.add(id));
        }
        await articles.markProcessed(fresh.map((j) => j.article.id), now);
        return { processed: fresh.length, relevant: onTopic.size };
      },
      { grouper: true },
    );
    return { processed, relevant, created, updated };
  }

  private async report(results: FeedPollResult[], started: number, options: ProcessOptions): Promise<PollReport> {
    const newIds = results.flatMap((r) => r.newIds);
    const updatedIds = results.flatMap((r) => r.updatedIds);
    const processed = await this.processPending(options);
    return {
      feeds: results,
      newArticles: newIds.length,
      updatedArticles: updatedIds.length,
      failedFeeds: results.filter((r) => r.status === 'error').length,
      processedArticles: processed.processedArticles,
      relevantArticles: processed.relevantArticles,
      pagesFetched: processed.pagesFetched,
      newStories: processed.newStories.length,
      updatedStories: processed.updatedStories.length,
      pendingArticles: processed.pendingArticles,
      durationMs: performance.now() - started,
    };
  }
}

/** Waits for `p`, or `ms` at most (undefined: as long as it takes). */
async function waitAtMost(p: Promise<unknown>, ms: number | undefined): Promise<void> {
  if (ms === undefined) {
    await p;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
