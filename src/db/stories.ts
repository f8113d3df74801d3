import type { DB } from './open.js';
import { prepared } from './statements.js';

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

const MEMBER_SELECT = `SELECT sa.story_id, sa.article_id, sa.similarity, sa.reason, sa.added_at, sa.thread_id, a.title, a.description, a.content, a.page_text,
  a.url, a.link, a.published_at, a.source, f.title AS feed_title
  FROM story_articles sa JOIN articles a ON a.id = sa.article_id JOIN feeds f ON f.id = a.feed_id`;

/** Stories and their member articles. */
export class StoryRepo {
  constructor(private readonly db: DB) {}

  create(topicId: string, title: string, publishedAt: number, now: number): number {
    const info = prepared(this.db, 'INSERT INTO stories (topic_id, title, first_published, last_published, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(topicId, title, publishedAt, publishedAt, now, now);
    return Number(info.lastInsertRowid);
  }

  /** `evidence`: what the comparison found (JSON for `explain`); `threadId`: the article's thread. */
  addMember(storyId: number, articleId: number, similarity: number, reason: string, now: number, evidence?: unknown, threadId?: number): void {
    prepared(this.db, 'INSERT INTO story_articles (story_id, article_id, similarity, reason, added_at, evidence, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(storyId, articleId, similarity, reason, now, evidence === undefined ? null : JSON.stringify(evidence), threadId ?? null);
  }

  /** A story's thread is its first article's; set once. */
  setThreadIfUnset(storyId: number, threadId: number): void {
    prepared(this.db, 'UPDATE stories SET thread_id = ? WHERE id = ? AND thread_id IS NULL').run(threadId, storyId);
  }

  /** Thread `from` was folded into `into`. */
  mergeThreads(from: number, into: number): void {
    prepared(this.db, 'UPDATE stories SET thread_id = ? WHERE thread_id = ?').run(into, from);
    prepared(this.db, 'UPDATE story_articles SET thread_id = ? WHERE thread_id = ?').run(into, from);
  }

  maxThreadId(): number {
    return (prepared(this.db, 'SELECT max(thread_id) FROM story_articles').pluck().get() as number | null) ?? 0;
  }

  /** SQLite's `data_version`: changes when another connection commits to the database. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Of the given stories, those some subscriber has already been sent. */
  deliveredAmong(ids: number[]): Set<number> {
    const rows = prepared(this.db, 'SELECT DISTINCT story_id FROM subscription_stories WHERE story_id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(JSON.stringify(ids)) as number[];
    return new Set(rows);
  }

  /** How an article joined its stories: reason, probability and the comparison's evidence. */
  membershipsOf(articleId: number): { story_id: number; similarity: number; reason: string; evidence: string | null; topic_id: string; title: string; article_count: number; thread_id: number | null; merged_into: number | null }[] {
    return prepared(this.db, `SELECT sa.story_id, sa.similarity, sa.reason, sa.evidence, s.topic_id, s.title, s.article_count, s.thread_id, s.merged_into
        FROM story_articles sa JOIN stories s ON s.id = sa.story_id WHERE sa.article_id = ?`)
      .all(articleId) as never;
  }

  /** Earlier stories of the same thread (what a story follows up), newest first. */
  earlierInThread(storyId: number, limit = 3): StoryRow[] {
    return prepared(this.db, `SELECT o.* FROM stories s JOIN stories o ON o.thread_id = s.thread_id AND o.id != s.id
        WHERE s.id = ? AND s.thread_id IS NOT NULL AND o.merged_into IS NULL AND o.article_count > 0 AND o.first_published < s.first_published
        ORDER BY o.first_published DESC LIMIT ?`)
      .all(storyId, limit) as StoryRow[];
  }

  /** Moves every member of `from` into `into`; `from` stays as a pointer. */
  merge(from: number, into: number, now: number): void {
    // Moved reports are new to the surviving story's readers: they count as added now.
    prepared(this.db, 'UPDATE OR IGNORE story_articles SET story_id = ?, added_at = ? WHERE story_id = ?').run(into, now, from);
    prepared(this.db, 'DELETE FROM story_articles WHERE story_id = ?').run(from);
    prepared(this.db, 'UPDATE stories SET merged_into = ?, article_count = 0, source_count = 0, updated_at = ?, needs_summary = 0 WHERE id = ?').run(into, now, from);
    prepared(this.db, 'UPDATE stories SET merged_into = ? WHERE merged_into = ?').run(into, from);
  }

  /** Recomputes a story's span and counts from its members, and marks it changed. */
  refresh(storyId: number, now: number): void {
    prepared(this.db, `UPDATE stories SET
        first_published = (SELECT min(a.published_at) FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = stories.id),
        last_published = (SELECT max(a.published_at) FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = stories.id),
        article_count = (SELECT count(*) FROM story_articles WHERE story_id = stories.id),
        source_count = (SELECT count(DISTINCT coalesce(a.source, f.title, a.feed_id)) FROM story_articles sa JOIN articles a ON a.id = sa.article_id
                        JOIN feeds f ON f.id = a.feed_id WHERE sa.story_id = stories.id),
        updated_at = ?, needs_summary = 1 WHERE id = ?`)
      .run(now, storyId);
  }

  /** Live stories whose summary must be written again, oldest change first. */
  needingSummary(limit: number): number[] {
    return prepared(this.db, 'SELECT id FROM stories WHERE needs_summary = 1 ORDER BY id LIMIT ?').pluck().all(limit) as number[];
  }

  /** A story's article ids (what a cached summary compares with, without loading the articles). */
  memberIds(storyId: number): number[] {
    return prepared(this.db, 'SELECT article_id FROM story_articles WHERE story_id = ? ORDER BY article_id').pluck().all(storyId) as number[];
  }

  /** Some of a story's members, in published order. */
  membersAmong(storyId: number, articleIds: number[]): MemberRow[] {
    return prepared(this.db, `${MEMBER_SELECT} WHERE sa.story_id = ? AND sa.article_id IN (SELECT value FROM json_each(?)) ORDER BY a.published_at, a.id`)
      .all(storyId, JSON.stringify(articleIds)) as MemberRow[];
  }

  /** The stories an article belongs to (one per topic at most). */
  storiesOfArticle(articleId: number): number[] {
    return prepared(this.db, 'SELECT story_id FROM story_articles WHERE article_id = ?').pluck().all(articleId) as number[];
  }

  setSummary(storyId: number, title: string, summary: string, now: number): void {
    prepared(this.db, 'UPDATE stories SET title = ?, summary = ?, summarised_at = ?, needs_summary = 0 WHERE id = ?').run(title, summary, now, storyId);
  }

  get(id: number): StoryRow | undefined {
    return prepared(this.db, 'SELECT * FROM stories WHERE id = ?').get(id) as StoryRow | undefined;
  }

  /** The story an article belongs to for a topic, following merges. */
  storyOf(articleId: number, topicId: string): number | undefined {
    return prepared(this.db, 'SELECT sa.story_id FROM story_articles sa JOIN stories s ON s.id = sa.story_id WHERE sa.article_id = ? AND s.topic_id = ?')
      .pluck()
      .get(articleId, topicId) as number | undefined;
  }

  members(storyId: number): MemberRow[] {
    return prepared(this.db, `${MEMBER_SELECT} WHERE sa.story_id = ? ORDER BY a.published_at, a.id`).all(storyId) as MemberRow[];
  }

  /** Members of a topic's stories active since `since` (their last article is that recent). */
  activeMembers(topicId: string, since: number): MemberRow[] {
    return prepared(this.db, `${MEMBER_SELECT} WHERE sa.story_id IN (SELECT id FROM stories WHERE topic_id = ? AND merged_into IS NULL AND last_published >= ?)
        ORDER BY a.published_at, a.id`)
      .all(topicId, since) as MemberRow[];
  }

  list(filter: { topicId?: string; since?: number } = {}): StoryRow[] {
    return prepared(this.db, `SELECT * FROM stories WHERE merged_into IS NULL AND article_count > 0
        ${filter.topicId ? 'AND topic_id = @topicId' : ''} ${filter.since !== undefined ? 'AND last_published >= @since' : ''}
        ORDER BY last_published DESC, id DESC`)
      .all({ topicId: filter.topicId, since: filter.since }) as StoryRow[];
  }
}
