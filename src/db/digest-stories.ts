import type { DB } from './open.js';

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
  candidates(subscriptionId: number, topics: string[], windowStart: number, windowEnd: number): DigestCandidate[] {
    if (!topics.length) return [];
    return this.db
      .prepare(
        `SELECT s.id, s.topic_id AS topicId, s.title, s.summary, s.first_published AS firstPublished, s.last_published AS lastPublished,
           s.updated_at AS updatedAt, s.source_count AS sourceCount, ss.source_count AS seenSources, ss.digest_id AS seenDigestId, d.created_at AS seenAt,
           (SELECT p.sent_at FROM story_alerts sa JOIN digest_parts p ON p.digest_id = sa.digest_id
             WHERE sa.subscription_id = @sub AND sa.story_id = s.id AND p.platform_message_id IS NOT NULL) AS alertedAt
         FROM stories s
           LEFT JOIN subscription_stories ss ON ss.story_id = s.id AND ss.subscription_id = @sub
           LEFT JOIN digests d ON d.id = ss.digest_id
         WHERE s.topic_id IN (SELECT value FROM json_each(@topics)) AND s.merged_into IS NULL AND s.article_count > 0
           AND s.updated_at > @start AND s.updated_at <= @end
           AND (ss.story_id IS NULL OR s.source_count > ss.source_count)`,
      )
      .all({ sub: subscriptionId, start: windowStart, end: windowEnd, topics: JSON.stringify(topics) }) as DigestCandidate[];
  }

  /** One live story as a candidate never seen by the subscriber (what an alert shows). */
  story(storyId: number): DigestCandidate | undefined {
    return this.db
      .prepare(
        `SELECT s.id, s.topic_id AS topicId, s.title, s.summary, s.first_published AS firstPublished, s.last_published AS lastPublished,
           s.updated_at AS updatedAt, s.source_count AS sourceCount, NULL AS seenSources, NULL AS seenDigestId, NULL AS seenAt, NULL AS alertedAt
         FROM stories s WHERE s.id = ? AND s.merged_into IS NULL AND s.article_count > 0`,
      )
      .get(storyId) as DigestCandidate | undefined;
  }

  /** A story's members, earliest published first. */
  members(storyId: number): DigestMember[] {
    return this.db
      .prepare(
        `SELECT a.id AS articleId, a.url, a.title, a.source, f.title AS feedTitle, a.published_at AS publishedAt, sa.added_at AS addedAt
         FROM story_articles sa JOIN articles a ON a.id = sa.article_id JOIN feeds f ON f.id = a.feed_id
         WHERE sa.story_id = ? ORDER BY a.published_at, a.id`,
      )
      .all(storyId) as DigestMember[];
  }

  /** The text of the members that joined a story after `after`, earliest published first. */
  textsAddedAfter(storyId: number, after: number): MemberText[] {
    return this.db
      .prepare(
        `SELECT a.id AS articleId, a.title, a.description, coalesce(a.page_text, a.content) AS body
         FROM story_articles sa JOIN articles a ON a.id = sa.article_id
         WHERE sa.story_id = ? AND sa.added_at > ? ORDER BY a.published_at, a.id`,
      )
      .all(storyId, after) as MemberText[];
  }

  /** What digest `digestId` showed of story `storyId`, read from the digest's stored model. */
  shown(digestId: number, storyId: number): ShownStory | undefined {
    return this.db
      .prepare(
        `SELECT json_extract(st.value, '$.headline') AS headline, json_extract(st.value, '$.summary') AS summary,
           json_extract(st.value, '$.update') AS "update"
         FROM digests d, json_each(d.model, '$.stories') st
         WHERE d.id = ? AND json_extract(st.value, '$.id') = ?`,
      )
      .get(digestId, storyId) as ShownStory | undefined;
  }
}
