import type { NormalisedItem } from '../ingest/normalise.js';
import { bulkInsert } from './bulk.js';
import type { DB } from './store.js';

export interface ArticleRow {
  id: number;
  feed_id: number;
  guid: string | null;
  url: string;
  link: string;
  title: string;
  description: string;
  content: string;
  author: string | null;
  published_at: number;
  first_seen_at: number;
  updated_at: number;
  content_hash: string;
  source: string | null;
  page_text: string | null;
  page_fetched_at: number | null;
  page_error: string | null;
  processed_at: number | null;
  learned: number;
  process_error: string | null;
}

/** The columns the processing of an article reads. */
const PROCESSABLE = ['id', 'feed_id', 'url', 'link', 'title', 'description', 'content', 'published_at', 'updated_at', 'source', 'page_text', 'page_fetched_at', 'learned'] as const;
export type ProcessableArticle = Pick<ArticleRow, (typeof PROCESSABLE)[number]>;

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

/** Rows per multi-row INSERT: well inside both engines' limits on bound parameters. */
const INSERT_CHUNK = 400;

type Found = { id: number; feed_id: number; url: string; guid: string | null; content_hash: string; published_at: number };

/** The articles table. An article is one per canonical URL and one per (feed, GUID). */
export class ArticleRepo {
  constructor(private readonly db: DB) {}

  /**
   * Stores one answer's items idempotently, in a few statements whatever their number. The same
   * item polled twice is one row; an edit (same GUID or URL, new text) from the same feed
   * updates the row; the same URL from another feed is a copy of an article we already have and
   * is left as first stored. Items repeating an earlier item of the same answer count once.
   * Returns each item's article id and outcome, in order.
   */
  async upsertMany(feedId: number, items: NormalisedItem[], now: number, feedSource: string | null = null): Promise<{ id: number; outcome: UpsertOutcome }[]> {
    if (!items.length) return [];
    const k = this.db.k;
    const guids = [...new Set(items.map((i) => i.guid).filter((g): g is string => !!g))];
    const urls = [...new Set(items.map((i) => i.url))];
    const cols = ['id', 'feed_id', 'url', 'guid', 'content_hash', 'published_at'] as const;
    const byGuid = new Map<string, Found>();
    const byUrl = new Map<string, Found>();
    if (guids.length) {
      for (const r of await k.selectFrom('articles').select(cols).where('feed_id', '=', feedId).where(this.db.inList('guid', guids)).execute()) byGuid.set(r.guid!, r);
    }
    for (const r of await k.selectFrom('articles').select(cols).where(this.db.inList('url', urls)).execute()) byUrl.set(r.url, r);

    // Decide in memory, in the answer's order; what this answer inserts is found by later items too.
    type Insert = { item: NormalisedItem; url: string };
    const inserts: Insert[] = [];
    const pendingByUrl = new Map<string, Insert>();
    const pendingByGuid = new Map<string, Insert>();
    const updates: { id: number; item: NormalisedItem; url: string; publishedAt: number }[] = [];
    const plan: ({ kind: 'insert'; at: Insert } | { kind: 'known'; id: number; outcome: UpsertOutcome })[] = [];
    for (const item of items) {
      const pending = (item.guid ? pendingByGuid.get(item.guid) : undefined) ?? pendingByUrl.get(item.url);
      if (pending) {
        // Repeated within the answer: the last version is the one stored.
        if (pending.url === item.url || !byUrl.has(item.url)) pending.item = item;
        plan.push({ kind: 'insert', at: pending });
        continue;
      }
      const existing = (item.guid ? byGuid.get(item.guid) : undefined) ?? byUrl.get(item.url);
      if (!existing) {
        const at: Insert = { item, url: item.url };
        inserts.push(at);
        pendingByUrl.set(item.url, at);
        if (item.guid) pendingByGuid.set(item.guid, at);
        plan.push({ kind: 'insert', at });
        continue;
      }
      if (existing.content_hash === item.contentHash || existing.feed_id !== feedId) {
        plan.push({ kind: 'known', id: existing.id, outcome: 'unchanged' });
        continue;
      }
      // A changed URL must not collide with another stored article; keep the old one then.
      const clash = existing.url !== item.url && byUrl.has(item.url) && byUrl.get(item.url)!.id !== existing.id;
      const url = clash ? existing.url : item.url;
      updates.push({ id: existing.id, item, url, publishedAt: item.publishedAt ?? existing.published_at });
      // Later items of the answer see the edit.
      const edited = { ...existing, url, content_hash: item.contentHash };
      byUrl.delete(existing.url);
      byUrl.set(url, edited);
      if (item.guid) byGuid.set(item.guid, edited);
      plan.push({ kind: 'known', id: existing.id, outcome: 'updated' });
    }

    const ids = new Map<Insert, number>();
    for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
      const chunk = inserts.slice(i, i + INSERT_CHUNK);
      const rows = await bulkInsert<{ id: number; url: string }>(
        this.db,
        'articles',
        ['feed_id', 'guid', 'url', 'link', 'title', 'description', 'content', 'author', 'source', 'published_at', 'first_seen_at', 'updated_at', 'content_hash'],
        chunk.map(({ item, url }) => [feedId, item.guid, url, item.link, item.title, item.description, item.content, item.author, item.source ?? feedSource, item.publishedAt ?? now, now, now, item.contentHash]),
        'RETURNING id, url',
      );
      // RETURNING's order is not promised: match by the unique URL.
      const byInserted = new Map(rows.map((r) => [r.url, r.id]));
      for (const at of chunk) ids.set(at, byInserted.get(at.url)!);
    }
    for (const u of updates) {
      await k
        .updateTable('articles')
        .set({
          ...(u.item.guid ? { guid: u.item.guid } : {}),
          url: u.url,
          link: u.item.link,
          title: u.item.title,
          description: u.item.description,
          content: u.item.content,
          author: u.item.author,
          ...(u.item.source ?? feedSource ? { source: u.item.source ?? feedSource } : {}),
          published_at: u.publishedAt,
          updated_at: now,
          content_hash: u.item.contentHash,
          processed_at: null,
          process_error: null,
        })
        .where('id', '=', u.id)
        .execute();
    }
    const reported = new Set<Insert>();
    return plan.map((p) => {
      if (p.kind === 'known') return { id: p.id, outcome: p.outcome };
      const first = !reported.has(p.at);
      reported.add(p.at);
      return { id: ids.get(p.at)!, outcome: first ? 'new' : 'unchanged' };
    });
  }

  /** One item (tests, tools): `upsertMany` of one. */
  async upsert(feedId: number, item: NormalisedItem, now: number, feedSource: string | null = null): Promise<{ id: number; outcome: UpsertOutcome }> {
    return (await this.upsertMany(feedId, [item], now, feedSource))[0]!;
  }

  get(id: number): Promise<ArticleRow | undefined> {
    return this.db.k.selectFrom('articles').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * What processing reads of the given articles (those that still exist), in id order: only the
   * columns it uses (a batch is a thousand rows; the hash, GUID and bookkeeping stay in SQL).
   */
  async getMany(ids: readonly number[]): Promise<ProcessableArticle[]> {
    if (!ids.length) return [];
    return this.db.k.selectFrom('articles').select(PROCESSABLE).where(this.db.inList('id', ids)).orderBy('id').execute();
  }

  byUrl(url: string): Promise<ArticleRow | undefined> {
    return this.db.k.selectFrom('articles').selectAll().where('url', '=', url).executeTakeFirst();
  }

  async setPageText(id: number, text: string | null, error: string | null, now: number): Promise<void> {
    await this.db.k.updateTable('articles').set({ page_text: text, page_error: error, page_fetched_at: now }).where('id', '=', id).execute();
  }

  /** Articles stored but not processed yet (new, edited, or left by a crash), oldest first. */
  async pending(limit: number, afterId = 0): Promise<number[]> {
    const rows = await this.db.k.selectFrom('articles').select('id').where('processed_at', 'is', null).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  async pendingCount(): Promise<number> {
    const r = await this.db.k.selectFrom('articles').select((eb) => eb.fn.countAll<number>().as('n')).where('processed_at', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Of the given articles, those still as they were read: unprocessed and not edited since.
   * Checked inside the processing transaction, so a second process or an edit meanwhile is never
   * processed twice.
   */
  async stillPending(read: readonly { id: number; updatedAt: number }[]): Promise<Set<number>> {
    if (!read.length) return new Set();
    const rows = await this.db.k
      .selectFrom('articles')
      .select(['id', 'updated_at'])
      .where(this.db.inList('id', read.map((r) => r.id)))
      .where('processed_at', 'is', null)
      .$if(this.db.engine === 'postgres', (q) => q.forUpdate())
      .execute();
    const now = new Map(rows.map((r) => [r.id, r.updated_at]));
    return new Set(read.filter((r) => now.get(r.id) === r.updatedAt).map((r) => r.id));
  }

  /** Marks articles processed (and their terms learned); `error`: set aside with the reason. */
  async markProcessed(ids: readonly number[], now: number, error: string | null = null): Promise<void> {
    if (!ids.length) return;
    await this.db.k.updateTable('articles').set({ processed_at: now, learned: 1, process_error: error }).where(this.db.inList('id', ids)).execute();
  }

  /**
   * The newest articles (of a topic: those relevant to it), with their outlet's feed title, the
   * topics they are relevant to (best score first) and their first story: what `articles` lists.
   */
  async listing(filter: { topicId?: string; limit?: number }): Promise<
    { id: number; url: string; title: string; published_at: number; feed_title: string | null; topics: { id: string; score: number }[]; storyId: number | null }[]
  > {
    const rows = await this.db.k
      .selectFrom('articles as a')
      .innerJoin('feeds as f', 'f.id', 'a.feed_id')
      .select(['a.id', 'a.url', 'a.title', 'a.published_at', 'f.title as feed_title'])
      .$if(filter.topicId !== undefined, (q) =>
        q.where('a.id', 'in', (eb) => eb.selectFrom('article_topics').select('article_id').where('topic_id', '=', filter.topicId!).where('relevant', '=', 1)),
      )
      .orderBy('a.published_at', 'desc')
      .orderBy('a.id', 'desc')
      .$if(filter.limit !== undefined, (q) => q.limit(filter.limit!))
      .execute();
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const topics = new Map<number, { id: string; score: number }[]>();
    for (const t of await this.db.k
      .selectFrom('article_topics')
      .select(['article_id', 'topic_id', 'score'])
      .where(this.db.inList('article_id', ids))
      .where('relevant', '=', 1)
      .orderBy('score', 'desc')
      .execute()) {
      let list = topics.get(t.article_id);
      if (!list) topics.set(t.article_id, (list = []));
      list.push({ id: t.topic_id, score: t.score });
    }
    const stories = new Map<number, number>();
    for (const m of await this.db.k.selectFrom('story_articles').select(['article_id', 'story_id']).where(this.db.inList('article_id', ids)).orderBy('story_id').execute()) {
      if (!stories.has(m.article_id)) stories.set(m.article_id, m.story_id);
    }
    return rows.map((r) => ({ ...r, topics: topics.get(r.id) ?? [], storyId: stories.get(r.id) ?? null }));
  }

  async count(): Promise<number> {
    const r = await this.db.k.selectFrom('articles').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
