import { sql } from 'kysely';
import type { DB } from './store.js';

export interface StoryRow {
  id: number;
  topic_id: string;
  title: string;
  summary: string;
  first_published: number;
  last_published: number;
  created_at: number;
  updated_at: number;
  summarised_at: number | null;
  article_count: number;
  source_count: number;
  merged_into: number | null;
  thread_id: number | null;
  needs_summary: number;
}

export interface MemberRow {
  story_id: number;
  article_id: number;
  similarity: number;
  reason: string;
  added_at: number;
  title: string;
  description: string;
  content: string;
  page_text: string | null;
  url: string;
  link: string;
  published_at: number;
  source: string | null;
  feed_title: string | null;
  thread_id: number | null;
}

export interface Membership {
  story_id: number;
  similarity: number;
  reason: string;
  evidence: string | null;
  topic_id: string;
  title: string;
  article_count: number;
  thread_id: number | null;
  merged_into: number | null;
}

/** A story's member with the article's text and outlet (what the grouper and the summariser read). */
function members(db: DB) {
  return db.k
    .selectFrom('story_articles as sa')
    .innerJoin('articles as a', 'a.id', 'sa.article_id')
    .innerJoin('feeds as f', 'f.id', 'a.feed_id')
    .select([
      'sa.story_id',
      'sa.article_id',
      'sa.similarity',
      'sa.reason',
      'sa.added_at',
      'sa.thread_id',
      'a.title',
      'a.description',
      'a.content',
      'a.page_text',
      'a.url',
      'a.link',
      'a.published_at',
      'a.source',
      'f.title as feed_title',
    ]);
}

/** Stories and their member articles. */
export class StoryRepo {
  constructor(private readonly db: DB) {}

  /**
   * Ids for `n` stories the grouper may open (it names a story the moment it opens it). On
   * PostgreSQL they come from the table's sequence; on SQLite, after the highest id, which is
   * safe inside the write transaction that inserts them.
   */
  async reserveIds(n: number): Promise<number[]> {
    if (n <= 0) return [];
    if (this.db.engine === 'postgres') {
      const r = await sql<{ id: number }>`SELECT nextval(pg_get_serial_sequence('stories', 'id')) AS id FROM generate_series(1, ${n})`.execute(this.db.k);
      return r.rows.map((x) => Number(x.id));
    }
    const r = await this.db.k.selectFrom('stories').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
    const base = r?.max ?? 0;
    return Array.from({ length: n }, (_, i) => base + 1 + i);
  }

  async create(id: number, topicId: string, title: string, publishedAt: number, now: number): Promise<void> {
    await this.db.k.insertInto('stories').values({ id, topic_id: topicId, title, first_published: publishedAt, last_published: publishedAt, created_at: now, updated_at: now }).execute();
  }

  /** Adds memberships; `evidence`: what the comparison found (JSON for `explain`); `threadId`: the article's thread. */
  async addMembers(rows: readonly { storyId: number; articleId: number; similarity: number; reason: string; evidence?: unknown; threadId?: number }[], now: number): Promise<void> {
    for (let i = 0; i < rows.length; i += 300) {
      await this.db.k
        .insertInto('story_articles')
        .values(
          rows.slice(i, i + 300).map((m) => ({
            story_id: m.storyId,
            article_id: m.articleId,
            similarity: m.similarity,
            reason: m.reason,
            added_at: now,
            evidence: m.evidence === undefined ? null : JSON.stringify(m.evidence),
            thread_id: m.threadId ?? null,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
      await this.stamp(rows.slice(i, i + 300).map((m) => m.articleId));
    }
  }

  /** A story's thread is its first article's; set once. */
  async setThreadIfUnset(storyId: number, threadId: number): Promise<void> {
    await this.db.k.updateTable('stories').set({ thread_id: threadId }).where('id', '=', storyId).where('thread_id', 'is', null).execute();
  }

  /** Thread `from` was folded into `into`. */
  async mergeThreads(from: number, into: number): Promise<void> {
    await this.db.k.updateTable('stories').set({ thread_id: into }).where('thread_id', '=', from).execute();
    await this.db.k.updateTable('story_articles').set({ thread_id: into }).where('thread_id', '=', from).execute();
  }

  async maxThreadId(): Promise<number> {
    const r = await this.db.k.selectFrom('story_articles').select((eb) => eb.fn.max('thread_id').as('max')).executeTakeFirst();
    return r?.max ?? 0;
  }

  /** Of the given stories, those some subscriber has already been sent. */
  async deliveredAmong(ids: readonly number[]): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows = await this.db.k.selectFrom('subscription_stories').select('story_id').distinct().where(this.db.inList('story_id', ids)).execute();
    return new Set(rows.map((r) => r.story_id));
  }

  /** How an article joined its stories: reason, probability and the comparison's evidence. */
  membershipsOf(articleId: number): Promise<Membership[]> {
    return this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('stories as s', 's.id', 'sa.story_id')
      .select(['sa.story_id', 'sa.similarity', 'sa.reason', 'sa.evidence', 's.topic_id', 's.title', 's.article_count', 's.thread_id', 's.merged_into'])
      .where('sa.article_id', '=', articleId)
      .execute();
  }

  /** Earlier stories of the same thread (what a story follows up), newest first. */
  earlierInThread(storyId: number, limit = 3): Promise<StoryRow[]> {
    return this.db.k
      .selectFrom('stories as s')
      .innerJoin('stories as o', (j) => j.onRef('o.thread_id', '=', 's.thread_id').onRef('o.id', '!=', 's.id'))
      .selectAll('o')
      .where('s.id', '=', storyId)
      .where('s.thread_id', 'is not', null)
      .where('o.merged_into', 'is', null)
      .where('o.article_count', '>', 0)
      .whereRef('o.first_published', '<', 's.first_published')
      .orderBy('o.first_published', 'desc')
      .limit(limit)
      .execute();
  }

  /** Moves every member of `from` into `into`; `from` stays as a pointer. */
  async merge(from: number, into: number, now: number): Promise<void> {
    const k = this.db.k;
    // Moved reports are new to the surviving story's readers: they count as added now.
    await k
      .updateTable('story_articles')
      .set({ story_id: into, added_at: now })
      .where('story_id', '=', from)
      .where('article_id', 'not in', (eb) => eb.selectFrom('story_articles as o').select('o.article_id').where('o.story_id', '=', into))
      .execute();
    await k.deleteFrom('story_articles').where('story_id', '=', from).execute();
    await k.updateTable('stories').set({ merged_into: into, article_count: 0, source_count: 0, updated_at: now, needs_summary: 0 }).where('id', '=', from).execute();
    await k.updateTable('stories').set({ merged_into: into }).where('merged_into', '=', from).execute();
  }

  /**
   * Copies the articles' publication times and outlets onto their memberships, where `refresh`
   * reads them. Called for new memberships and for edited articles.
   */
  async stamp(articleIds: readonly number[]): Promise<void> {
    if (!articleIds.length) return;
    await sql`UPDATE story_articles SET published_at = a.published_at, source_key = coalesce(a.source, f.title, CAST(a.feed_id AS TEXT))
      FROM articles a JOIN feeds f ON f.id = a.feed_id
      WHERE a.id = story_articles.article_id AND ${this.db.inList('story_articles.article_id', articleIds)}`.execute(this.db.k);
  }

  /**
   * Recomputes the stories' spans and counts from their members, and marks them changed. Read
   * from the memberships' own columns (one covering index), not from every member's article row.
   */
  async refresh(storyIds: readonly number[], now: number): Promise<void> {
    if (!storyIds.length) return;
    await sql`UPDATE stories SET
        first_published = agg.first_published, last_published = agg.last_published,
        article_count = agg.article_count, source_count = agg.source_count,
        updated_at = ${now}, needs_summary = 1
      FROM (SELECT story_id, min(published_at) AS first_published, max(published_at) AS last_published, count(*) AS article_count,
                   count(DISTINCT source_key) AS source_count
            FROM story_articles WHERE ${this.db.inList('story_id', storyIds)} GROUP BY story_id) AS agg
      WHERE stories.id = agg.story_id`.execute(this.db.k);
  }

  /** Live stories whose summary must be written again, oldest change first. */
  async needingSummary(limit: number): Promise<number[]> {
    const rows = await this.db.k.selectFrom('stories').select('id').where('needs_summary', '=', 1).orderBy('id').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  /** A story's article ids (what a cached summary compares with, without loading the articles). */
  async memberIds(storyId: number): Promise<number[]> {
    const rows = await this.db.k.selectFrom('story_articles').select('article_id').where('story_id', '=', storyId).orderBy('article_id').execute();
    return rows.map((r) => r.article_id);
  }

  /** Some of a story's members, in published order. */
  membersAmong(storyId: number, articleIds: readonly number[]): Promise<MemberRow[]> {
    if (!articleIds.length) return Promise.resolve([]);
    return members(this.db).where('sa.story_id', '=', storyId).where(this.db.inList('sa.article_id', articleIds)).orderBy('a.published_at').orderBy('a.id').execute();
  }

  /** The stories an article belongs to (one per topic at most). */
  async storiesOfArticle(articleId: number): Promise<number[]> {
    const rows = await this.db.k.selectFrom('story_articles').select('story_id').where('article_id', '=', articleId).execute();
    return rows.map((r) => r.story_id);
  }

  async setSummary(storyId: number, title: string, summary: string, now: number): Promise<void> {
    await this.db.k.updateTable('stories').set({ title, summary, summarised_at: now, needs_summary: 0 }).where('id', '=', storyId).execute();
  }

  get(id: number): Promise<StoryRow | undefined> {
    return this.db.k.selectFrom('stories').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The story an article belongs to for a topic. */
  async storyOf(articleId: number, topicId: string): Promise<number | undefined> {
    const r = await this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('stories as s', 's.id', 'sa.story_id')
      .select('sa.story_id')
      .where('sa.article_id', '=', articleId)
      .where('s.topic_id', '=', topicId)
      .executeTakeFirst();
    return r?.story_id;
  }

  /** Of the given articles, those already in a story of the topic. */
  async inStoriesOf(articleIds: readonly number[], topicId: string): Promise<Set<number>> {
    if (!articleIds.length) return new Set();
    const rows = await this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('stories as s', 's.id', 'sa.story_id')
      .select('sa.article_id')
      .where(this.db.inList('sa.article_id', articleIds))
      .where('s.topic_id', '=', topicId)
      .execute();
    return new Set(rows.map((r) => r.article_id));
  }

  members(storyId: number): Promise<MemberRow[]> {
    return members(this.db).where('sa.story_id', '=', storyId).orderBy('a.published_at').orderBy('a.id').execute();
  }

  /** Members of a topic's stories active since `since` (their last article is that recent). */
  activeMembers(topicId: string, since: number): Promise<MemberRow[]> {
    return members(this.db)
      .where('sa.story_id', 'in', (eb) =>
        eb.selectFrom('stories').select('id').where('topic_id', '=', topicId).where('merged_into', 'is', null).where('last_published', '>=', since),
      )
      .orderBy('a.published_at')
      .orderBy('a.id')
      .execute();
  }

  list(filter: { topicId?: string; since?: number } = {}): Promise<StoryRow[]> {
    return this.db.k
      .selectFrom('stories')
      .selectAll()
      .where('merged_into', 'is', null)
      .where('article_count', '>', 0)
      .$if(filter.topicId !== undefined, (q) => q.where('topic_id', '=', filter.topicId!))
      .$if(filter.since !== undefined, (q) => q.where('last_published', '>=', filter.since!))
      .orderBy('last_published', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }
}
