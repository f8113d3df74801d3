import { sql } from 'kysely';
import type { DB } from './store.js';

/** A story as the web pages and feeds show it. */
export interface WebStory {
  id: number;
  topicId: string;
  title: string;
  summary: string;
  firstPublished: number;
  lastPublished: number;
  /** When it last changed: a member joined or changed, or its summary was rewritten. */
  changedAt: number;
  articleCount: number;
  sourceCount: number;
}

/** A member article of a story, with what put it there (the `explain` data). */
export interface WebMember {
  storyId: number;
  articleId: number;
  url: string;
  title: string;
  source: string | null;
  feedTitle: string | null;
  publishedAt: number;
  addedAt: number;
  reason: string;
  similarity: number;
  /** JSON written by the clusterer (probability, contributions, merge), or null. */
  evidence: string | null;
}

/** A feed's health for the operator page. */
export interface FeedHealth {
  id: number;
  url: string;
  title: string | null;
  lastStatus: string | null;
  lastError: string | null;
  errorCount: number;
  lastPolledAt: number | null;
  lastOkAt: number | null;
  nextPollAt: number;
  disabledAt: number | null;
  /** Articles first seen in the window asked for. */
  recentArticles: number;
}

/** A subscription for the operator page. */
export interface SubscriptionOverview {
  id: number;
  platform: string;
  chatId: string;
  chatTitle: string | null;
  topics: string;
  schedule: string;
  timezone: string;
  active: boolean;
  stopReason: string | null;
  lastDigestAt: number | null;
  nextDueAt: number | null;
  deadDigests: number;
}

const STORY_COLUMNS = sql.raw(`s.id, s.topic_id AS "topicId", s.title, s.summary, s.first_published AS "firstPublished", s.last_published AS "lastPublished",
  CASE WHEN s.updated_at > coalesce(s.summarised_at, 0) THEN s.updated_at ELSE coalesce(s.summarised_at, 0) END AS "changedAt",
  s.article_count AS "articleCount", s.source_count AS "sourceCount"`);
const LIVE = sql.raw('s.merged_into IS NULL AND s.article_count > 0');

/** The reads of the web pages and feeds (src/web/): stories by topic and day, one story, operator views. */
export class WebRepo {
  constructor(private readonly db: DB) {}

  /** A topic's stories whose latest report falls in [from, to), latest first. */
  async storiesBetween(topicId: string, from: number, to: number, limit: number, offset = 0): Promise<WebStory[]> {
    const r = await sql<WebStory>`SELECT ${STORY_COLUMNS} FROM stories s WHERE s.topic_id = ${topicId} AND ${LIVE} AND s.last_published >= ${from} AND s.last_published < ${to}
        ORDER BY s.last_published DESC, s.id DESC LIMIT ${limit} OFFSET ${offset}`.execute(this.db.k);
    return r.rows;
  }

  async countBetween(topicId: string, from: number, to: number): Promise<number> {
    const r = await sql<{ n: number }>`SELECT count(*) AS n FROM stories s WHERE s.topic_id = ${topicId} AND ${LIVE} AND s.last_published >= ${from} AND s.last_published < ${to}`.execute(this.db.k);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** The latest report time of a topic's stories before `before` (the previous day with stories), or null. */
  async latestBefore(topicId: string, before: number): Promise<number | null> {
    const r = await sql<{ at: number | null }>`SELECT max(s.last_published) AS at FROM stories s WHERE s.topic_id = ${topicId} AND ${LIVE} AND s.last_published < ${before}`.execute(this.db.k);
    return r.rows[0]?.at ?? null;
  }

  /** The earliest latest-report time at or after `after` (the next day with stories), or null. */
  async earliestFrom(topicId: string, after: number): Promise<number | null> {
    const r = await sql<{ at: number | null }>`SELECT min(s.last_published) AS at FROM stories s WHERE s.topic_id = ${topicId} AND ${LIVE} AND s.last_published >= ${after}`.execute(this.db.k);
    return r.rows[0]?.at ?? null;
  }

  /** The stories of a topic changed last (Atom / JSON Feed entries). */
  async changedLast(topicId: string, limit: number): Promise<WebStory[]> {
    const r = await sql<WebStory>`SELECT ${STORY_COLUMNS} FROM stories s WHERE s.topic_id = ${topicId} AND ${LIVE} ORDER BY "changedAt" DESC, s.id DESC LIMIT ${limit}`.execute(this.db.k);
    return r.rows;
  }

  /** One story, live or not; `mergedInto` says where a folded story went. */
  async story(id: number): Promise<(WebStory & { mergedInto: number | null }) | undefined> {
    const r = await sql<WebStory & { mergedInto: number | null }>`SELECT ${STORY_COLUMNS}, s.merged_into AS "mergedInto" FROM stories s WHERE s.id = ${id}`.execute(this.db.k);
    return r.rows[0];
  }

  /** The members of the given stories, earliest published first (one query for a whole page). */
  members(storyIds: number[]): Promise<WebMember[]> {
    if (!storyIds.length) return Promise.resolve([]);
    return this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('articles as a', 'a.id', 'sa.article_id')
      .innerJoin('feeds as f', 'f.id', 'a.feed_id')
      .select([
        'sa.story_id as storyId',
        'sa.article_id as articleId',
        'a.url',
        'a.title',
        'a.source',
        'f.title as feedTitle',
        'a.published_at as publishedAt',
        'sa.added_at as addedAt',
        'sa.reason',
        'sa.similarity',
        'sa.evidence',
      ])
      .where(this.db.inList('sa.story_id', storyIds))
      .orderBy('a.published_at')
      .orderBy('a.id')
      .execute();
  }

  /** Every feed with its last poll, error, backoff and the articles it brought since `since`. */
  async feedHealth(since: number): Promise<FeedHealth[]> {
    const r = await sql<FeedHealth>`SELECT f.id, f.url, f.title, f.last_status AS "lastStatus", f.last_error AS "lastError", f.error_count AS "errorCount",
          f.last_polled_at AS "lastPolledAt", f.last_ok_at AS "lastOkAt", f.next_poll_at AS "nextPollAt", f.disabled_at AS "disabledAt",
          (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.first_seen_at >= ${since}) AS "recentArticles"
        FROM feeds f ORDER BY f.error_count DESC, f.id`.execute(this.db.k);
    return r.rows.map((x) => ({ ...x, recentArticles: Number(x.recentArticles) }));
  }

  /** Every subscription with its schedule, last digest, state and dead digests. */
  async subscriptions(): Promise<SubscriptionOverview[]> {
    const r = await sql<Omit<SubscriptionOverview, 'active'> & { active: number }>`SELECT s.id, s.platform, s.chat_id AS "chatId", s.chat_title AS "chatTitle", s.topics, s.schedule, s.timezone, s.active,
          s.stop_reason AS "stopReason", s.last_digest_at AS "lastDigestAt", s.next_due_at AS "nextDueAt",
          (SELECT count(*) FROM digests d WHERE d.subscription_id = s.id AND d.status = 'dead') AS "deadDigests"
        FROM subscriptions s ORDER BY s.active DESC, s.id`.execute(this.db.k);
    return r.rows.map((x) => ({ ...x, deadDigests: Number(x.deadDigests), active: x.active === 1 }));
  }
}
