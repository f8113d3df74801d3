import { sql } from 'kysely';
import type { DB } from './store.js';

/** A story that may go into a subscriber's digest, with what the subscriber saw of it. */
export interface DigestCandidate {
  id: number;
  topicId: string;
  title: string;
  summary: string;
  firstPublished: number;
  lastPublished: number;
  updatedAt: number;
  sourceCount: number;
  /** Sources the subscriber saw last time; null if it never saw the story. */
  seenSources: number | null;
  /** The digest that last showed it, and when that digest was built. */
  seenDigestId: number | null;
  seenAt: number | null;
  /** When this subscriber's alert of the story was sent; null if it was not alerted. */
  alertedAt: number | null;
}

/** A member article of a story, as a digest lists it. */
export interface DigestMember {
  articleId: number;
  url: string;
  title: string;
  /** The item's outlet (an aggregator's <source>), else null. */
  source: string | null;
  feedTitle: string | null;
  publishedAt: number;
  /** When the article joined the story. */
  addedAt: number;
}

/** The text of a member article, for saying what it adds. */
export interface MemberText {
  articleId: number;
  title: string;
  description: string;
  /** The fetched page's text, else the feed content. */
  body: string;
}

/** What a sent digest showed of a story (from the digest model stored with it). */
export interface ShownStory {
  headline: string;
  summary: string;
  /** The "Now also" sentences, when the story was shown as an update. */
  update: string | null;
}

/** The reads a digest needs: candidate stories per subscriber, their members, what was shown before. */
export class DigestStoryRepo {
  constructor(private readonly db: DB) {}

  /**
   * Stories of the topics that changed in the window and are new to the subscriber, or gained
   * sources since it last saw them.
   */
  async candidates(subscriptionId: number, topics: string[], windowStart: number, windowEnd: number): Promise<DigestCandidate[]> {
    if (!topics.length) return [];
    const r = await sql<DigestCandidate>`
      SELECT s.id, s.topic_id AS "topicId", s.title, s.summary, s.first_published AS "firstPublished", s.last_published AS "lastPublished",
        s.updated_at AS "updatedAt", s.source_count AS "sourceCount", ss.source_count AS "seenSources", ss.digest_id AS "seenDigestId", d.created_at AS "seenAt",
        (SELECT p.sent_at FROM story_alerts sa JOIN digest_parts p ON p.digest_id = sa.digest_id
          WHERE sa.subscription_id = ${subscriptionId} AND sa.story_id = s.id AND p.platform_message_id IS NOT NULL ORDER BY p.seq LIMIT 1) AS "alertedAt"
      FROM stories s
        LEFT JOIN subscription_stories ss ON ss.story_id = s.id AND ss.subscription_id = ${subscriptionId}
        LEFT JOIN digests d ON d.id = ss.digest_id
      WHERE ${this.db.inList('s.topic_id', topics)} AND s.merged_into IS NULL AND s.article_count > 0
        AND s.updated_at > ${windowStart} AND s.updated_at <= ${windowEnd}
        AND (ss.story_id IS NULL OR s.source_count > ss.source_count)`.execute(this.db.k);
    return r.rows;
  }

  /** One live story as a candidate never seen by the subscriber (what an alert shows). */
  async story(storyId: number): Promise<DigestCandidate | undefined> {
    const s = await this.db.k
      .selectFrom('stories')
      .select(['id', 'topic_id', 'title', 'summary', 'first_published', 'last_published', 'updated_at', 'source_count'])
      .where('id', '=', storyId)
      .where('merged_into', 'is', null)
      .where('article_count', '>', 0)
      .executeTakeFirst();
    if (!s) return undefined;
    return {
      id: s.id,
      topicId: s.topic_id,
      title: s.title,
      summary: s.summary,
      firstPublished: s.first_published,
      lastPublished: s.last_published,
      updatedAt: s.updated_at,
      sourceCount: s.source_count,
      seenSources: null,
      seenDigestId: null,
      seenAt: null,
      alertedAt: null,
    };
  }

  /** A story's members, earliest published first. */
  members(storyId: number): Promise<DigestMember[]> {
    return this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('articles as a', 'a.id', 'sa.article_id')
      .innerJoin('feeds as f', 'f.id', 'a.feed_id')
      .select(['a.id as articleId', 'a.url', 'a.title', 'a.source', 'f.title as feedTitle', 'a.published_at as publishedAt', 'sa.added_at as addedAt'])
      .where('sa.story_id', '=', storyId)
      .orderBy('a.published_at')
      .orderBy('a.id')
      .execute();
  }

  /** The text of the members that joined a story after `after`, earliest published first. */
  textsAddedAfter(storyId: number, after: number): Promise<MemberText[]> {
    return this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('articles as a', 'a.id', 'sa.article_id')
      .select(['a.id as articleId', 'a.title', 'a.description', sql<string>`coalesce(a.page_text, a.content)`.as('body')])
      .where('sa.story_id', '=', storyId)
      .where('sa.added_at', '>', after)
      .orderBy('a.published_at')
      .orderBy('a.id')
      .execute();
  }

  /** What digest `digestId` showed of story `storyId`, read from the digest's stored model. */
  async shown(digestId: number, storyId: number): Promise<ShownStory | undefined> {
    const d = await this.db.k.selectFrom('digests').select('model').where('id', '=', digestId).executeTakeFirst();
    if (!d) return undefined;
    const model = JSON.parse(d.model) as { stories?: { id: number; headline?: string; summary?: string; update?: string | null }[] };
    const st = model.stories?.find((x) => x.id === storyId);
    return st ? { headline: st.headline ?? '', summary: st.summary ?? '', update: st.update ?? null } : undefined;
  }
}
