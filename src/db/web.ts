import type { DB } from './open.js';
import { prepared } from './statements.js';

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

const STORY_COLUMNS = `s.id, s.topic_id AS topicId, s.title, s.summary, s.first_published AS firstPublished, s.last_published AS lastPublished,
  max(s.updated_at, coalesce(s.summarised_at, 0)) AS changedAt, s.article_count AS articleCount, s.source_count AS sourceCount`;
const LIVE = 's.merged_into IS NULL AND s.article_count > 0';

/** The reads of the web pages and feeds (src/web/): stories by topic and day, one story, operator views. */
export class WebRepo {
  constructor(private readonly db: DB) {}

  /** A topic's stories whose latest report falls in [from, to), latest first. */
  storiesBetween(topicId: string, from: number, to: number, limit: number, offset = 0): WebStory[] {
    return prepared(this.db, `SELECT ${STORY_COLUMNS} FROM stories s WHERE s.topic_id = ? AND ${LIVE} AND s.last_published >= ? AND s.last_published < ?
        ORDER BY s.last_published DESC, s.id DESC LIMIT ? OFFSET ?`)
      .all(topicId, from, to, limit, offset) as WebStory[];
  }

  countBetween(topicId: string, from: number, to: number): number {
    return prepared(this.db, `SELECT count(*) FROM stories s WHERE s.topic_id = ? AND ${LIVE} AND s.last_published >= ? AND s.last_published < ?`)
      .pluck()
      .get(topicId, from, to) as number;
  }

  /** The latest report time of a topic's stories before `before` (the previous day with stories), or null. */
  latestBefore(topicId: string, before: number): number | null {
    return prepared(this.db, `SELECT max(s.last_published) FROM stories s WHERE s.topic_id = ? AND ${LIVE} AND s.last_published < ?`).pluck().get(topicId, before) as number | null;
  }

  /** The earliest latest-report time at or after `after` (the next day with stories), or null. */
  earliestFrom(topicId: string, after: number): number | null {
    return prepared(this.db, `SELECT min(s.last_published) FROM stories s WHERE s.topic_id = ? AND ${LIVE} AND s.last_published >= ?`).pluck().get(topicId, after) as number | null;
  }

  /** The stories of a topic changed last (Atom / JSON Feed entries). */
  changedLast(topicId: string, limit: number): WebStory[] {
    return prepared(this.db, `SELECT ${STORY_COLUMNS} FROM stories s WHERE s.topic_id = ? AND ${LIVE} ORDER BY changedAt DESC, s.id DESC LIMIT ?`).all(topicId, limit) as WebStory[];
  }

  /** One story, live or not; `mergedInto` says where a folded story went. */
  story(id: number): (WebStory & { mergedInto: number | null }) | undefined {
    return prepared(this.db, `SELECT ${STORY_COLUMNS}, s.merged_into AS mergedInto FROM stories s WHERE s.id = ?`).get(id) as (WebStory & { mergedInto: number | null }) | undefined;
  }

  /** The members of the given stories, earliest published first (one query for a whole page). */
  members(storyIds: number[]): WebMember[] {
    if (!storyIds.length) return [];
    return prepared(this.db, `SELECT sa.story_id AS storyId, sa.article_id AS articleId, a.url, a.title, a.source, f.title AS feedTitle, a.published_at AS publishedAt,
          sa.added_at AS addedAt, sa.reason, sa.similarity, sa.evidence
        FROM story_articles sa JOIN articles a ON a.id = sa.article_id JOIN feeds f ON f.id = a.feed_id
        WHERE sa.story_id IN (SELECT value FROM json_each(?)) ORDER BY a.published_at, a.id`)
      .all(JSON.stringify(storyIds)) as WebMember[];
  }

  /** Every feed with its last poll, error, backoff and the articles it brought since `since`. */
  feedHealth(since: number): FeedHealth[] {
    return prepared(this.db, `SELECT f.id, f.url, f.title, f.last_status AS lastStatus, f.last_error AS lastError, f.error_count AS errorCount,
          f.last_polled_at AS lastPolledAt, f.last_ok_at AS lastOkAt, f.next_poll_at AS nextPollAt, f.disabled_at AS disabledAt,
          (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.first_seen_at >= ?) AS recentArticles
        FROM feeds f ORDER BY f.error_count DESC, f.id`)
      .all(since) as FeedHealth[];
  }

  /** Every subscription with its schedule, last digest, state and dead digests. */
  subscriptions(): SubscriptionOverview[] {
    const rows = prepared(this.db, `SELECT s.id, s.platform, s.chat_id AS chatId, s.chat_title AS chatTitle, s.topics, s.schedule, s.timezone, s.active,
          s.stop_reason AS stopReason, s.last_digest_at AS lastDigestAt, s.next_due_at AS nextDueAt,
          (SELECT count(*) FROM digests d WHERE d.subscription_id = s.id AND d.status = 'dead') AS deadDigests
        FROM subscriptions s ORDER BY s.active DESC, s.id`)
      .all() as (Omit<SubscriptionOverview, 'active'> & { active: number })[];
    return rows.map((r) => ({ ...r, active: r.active === 1 }));
  }
}
