import pLimit from 'p-limit';
import type { LoadedConfig } from './config/load.js';
import type { DB } from './db/open.js';
import type { FeedRow } from './db/feeds.js';
import { ArticleRepo, type ArticleRow } from './db/articles.js';
import { TopicDecisionRepo } from './db/topics.js';
import { IdfStore } from './db/idf-store.js';
import type { Logger } from './logger.js';
import type { FeedPollResult, Poller } from './ingest/poller.js';
import { fetchArticleText } from './ingest/article-text.js';
import { TopicMatcher } from './topics/matcher.js';
import type { IdfModel } from './stories/idf.js';
import { StoryService, type StoryArticle } from './stories/service.js';

export interface PollReport {
  feeds: FeedPollResult[];
  newArticles: number;
  updatedArticles: number;
  failedFeeds: number;
  /** Articles found on some topic, among the new and updated ones. */
  relevantArticles: number;
  pagesFetched: number;
  newStories: number;
  updatedStories: number;
  durationMs: number;
}

export interface ProcessResult {
  relevantArticles: number;
  pagesFetched: number;
  newStories: number[];
  updatedStories: number[];
}

function storyArticle(a: ArticleRow): StoryArticle {
  return { id: a.id, title: a.title, description: a.description, body: a.page_text ?? a.content, publishedAt: a.published_at, source: a.source };
}

/**
 * One run of the data flow: poll feeds, then for what they brought: learn term statistics,
 * decide topics, fetch thin articles' pages, assign stories, and re-summarise changed stories.
 */
export class Pipeline {
  private readonly articles: ArticleRepo;
  private readonly decisions: TopicDecisionRepo;
  private readonly idfStore: IdfStore;
  private readonly matchers: TopicMatcher[];
  private idfModel: IdfModel | undefined;
  private storyService: StoryService | undefined;

  constructor(
    readonly db: DB,
    readonly config: LoadedConfig,
    readonly poller: Poller,
    readonly log: Logger,
    readonly clock: () => number,
  ) {
    this.articles = new ArticleRepo(db);
    this.decisions = new TopicDecisionRepo(db);
    this.idfStore = new IdfStore(db);
    this.matchers = config.topics.map((t) => new TopicMatcher(t));
  }

  /** The IDF model, loaded from the database on first use. */
  get idf(): IdfModel {
    return (this.idfModel ??= this.idfStore.load());
  }

  get stories(): StoryService {
    const s = this.config.stories;
    return (this.storyService ??= new StoryService(
      this.db,
      this.idf,
      this.config.topics,
      {
        windowMs: s.window,
        ...(s.joinProbability !== undefined ? { joinProbability: s.joinProbability } : {}),
        ...(s.mergeProbability !== undefined ? { mergeProbability: s.mergeProbability === 'off' ? 2 : s.mergeProbability } : {}),
        threads: s.threads,
      },
      this.clock,
    ));
  }

  async poll(feeds?: FeedRow[]): Promise<PollReport> {
    const started = performance.now();
    const results = feeds ? await this.poller.pollAll(feeds) : await this.poller.pollAll();
    return this.report(results, started);
  }

  async pollDue(): Promise<PollReport> {
    const started = performance.now();
    return this.report(await this.poller.pollDue(), started);
  }

  /** Topics → page text → stories → summaries for the given articles. */
  async process(newIds: number[], updatedIds: number[]): Promise<ProcessResult> {
    const rows = [...newIds, ...updatedIds].map((id) => this.articles.get(id)).filter((a): a is ArticleRow => a !== undefined);
    if (!rows.length) return { relevantArticles: 0, pagesFetched: 0, newStories: [], updatedStories: [] };
    const now = this.clock();
    const newSet = new Set(newIds);
    // An edited article is analysed again.
    this.stories.forget(updatedIds);
    // Every ingested article teaches the IDF, on-topic or not.
    this.db.transaction(() => {
      this.stories.learn(rows.filter((a) => newSet.has(a.id)).map(storyArticle));
      this.idfStore.flush(this.idf);
    })();

    let relevant = this.decide(rows, now);
    const fetched = await this.fetchThinPages(relevant);
    if (fetched.size) {
      this.stories.forget(fetched);
      // Only the articles that gained page text can change their decisions.
      const redecided = this.decide([...fetched].map((id) => this.articles.get(id)!), now);
      relevant = [...relevant.filter((r) => !fetched.has(r.article.id)), ...redecided];
    }
    const pagesFetched = fetched.size;

    const created = new Set<number>();
    const updated = new Set<number>();
    for (const matcher of this.matchers) {
      const topicArticles = relevant.filter((r) => r.topics.includes(matcher.topic.id)).map((r) => r.article);
      if (!topicArticles.length) continue;
      const changes = this.stories.assign(matcher.topic.id, topicArticles.map(storyArticle));
      changes.created.forEach((id) => created.add(id));
      changes.updated.forEach((id) => updated.add(id));
    }
    // Edited articles already in a story change its text: re-summarise those stories too.
    for (const id of updatedIds) {
      for (const sid of this.db.prepare('SELECT story_id FROM story_articles WHERE article_id = ?').pluck().all(id) as number[]) if (!created.has(sid)) updated.add(sid);
    }
    this.stories.summarise([...created, ...updated]);
    return { relevantArticles: new Set(relevant.map((r) => r.article.id)).size, pagesFetched, newStories: [...created], updatedStories: [...updated] };
  }

  /** Stores every topic decision; returns the articles relevant to at least one topic. */
  private decide(rows: ArticleRow[], now: number): { article: ArticleRow; topics: string[] }[] {
    const out: { article: ArticleRow; topics: string[] }[] = [];
    this.db.transaction(() => {
      for (const a of rows) {
        const topics: string[] = [];
        for (const m of this.matchers) {
          const d = m.match({ title: a.title, description: a.description, body: a.page_text ?? a.content, url: a.url });
          this.decisions.save(a.id, d, now);
          if (d.relevant) topics.push(d.topicId);
        }
        if (topics.length) out.push({ article: a, topics });
      }
    })();
    return out;
  }

  /** Relevant articles whose feed gave little text get their page fetched once; returns the ids that got text. */
  private async fetchThinPages(relevant: { article: ArticleRow }[]): Promise<Set<number>> {
    const { articles, fetch } = this.config;
    const fetched = new Set<number>();
    if (!articles.fetchPages) return fetched;
    const thin = relevant
      .map((r) => r.article)
      .filter((a) => a.page_fetched_at === null && `${a.description}\n${a.content}`.length < articles.minTextChars);
    const limit = pLimit(4);
    await Promise.all(
      thin.map((a) =>
        limit(async () => {
          try {
            const text = await fetchArticleText(a.link, { timeoutMs: fetch.timeout, maxBytes: fetch.maxBytes, maxRedirects: fetch.maxRedirects, userAgent: fetch.userAgent });
            this.articles.setPageText(a.id, text, null, this.clock());
            fetched.add(a.id);
          } catch (err) {
            // Keep the feed text; remember the failure so the page is not fetched again.
            this.articles.setPageText(a.id, null, (err as Error).message, this.clock());
            this.log.debug({ url: a.link, err: (err as Error).message }, 'article page not used');
          }
        }),
      ),
    );
    return fetched;
  }

  private async report(results: FeedPollResult[], started: number): Promise<PollReport> {
    const newIds = results.flatMap((r) => r.newIds);
    const updatedIds = results.flatMap((r) => r.updatedIds);
    const processed = await this.process(newIds, updatedIds);
    return {
      feeds: results,
      newArticles: newIds.length,
      updatedArticles: updatedIds.length,
      failedFeeds: results.filter((r) => r.status === 'error').length,
      relevantArticles: processed.relevantArticles,
      pagesFetched: processed.pagesFetched,
      newStories: processed.newStories.length,
      updatedStories: processed.updatedStories.length,
      durationMs: performance.now() - started,
    };
  }
}
