import type { DB } from './open.js';
import type { NormalisedItem } from '../ingest/normalise.js';
import { prepared } from './statements.js';

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

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

/** The articles table. An article is one per canonical URL and one per (feed, GUID). */
export class ArticleRepo {
  private readonly byGuid;
  private readonly byUrlStmt;
  private readonly insert;
  private readonly update;

  constructor(private readonly db: DB) {
    this.byGuid = db.prepare('SELECT id, feed_id, url, content_hash, published_at FROM articles WHERE feed_id = ? AND guid = ?');
    this.byUrlStmt = db.prepare('SELECT id, feed_id, url, content_hash, published_at FROM articles WHERE url = ?');
    this.insert = db.prepare(`INSERT INTO articles (feed_id, guid, url, link, title, description, content, author, source, published_at, first_seen_at, updated_at, content_hash)
      VALUES (@feedId, @guid, @url, @link, @title, @description, @content, @author, @source, @publishedAt, @now, @now, @contentHash)`);
    this.update = db.prepare(`UPDATE articles SET guid = coalesce(@guid, guid), url = @url, link = @link, title = @title, description = @description,
      content = @content, author = @author, source = coalesce(@source, source), published_at = @publishedAt, updated_at = @now, content_hash = @contentHash,
      processed_at = NULL, process_error = NULL WHERE id = @id`);
  }

  /**
   * Stores an item idempotently. The same item polled twice is one row; an edit (same GUID or
   * URL, new text) from the same feed updates the row; the same URL from another feed is a copy
   * of an article we already have and is left as first stored.
   */
  upsert(feedId: number, item: NormalisedItem, now: number, feedSource: string | null = null): { id: number; outcome: UpsertOutcome } {
    type Found = { id: number; feed_id: number; url: string; content_hash: string; published_at: number };
    const existing = ((item.guid ? this.byGuid.get(feedId, item.guid) : undefined) ?? this.byUrlStmt.get(item.url)) as Found | undefined;
    if (!existing) {
      const info = this.insert.run({ feedId, ...item, source: item.source ?? feedSource, publishedAt: item.publishedAt ?? now, now });
      return { id: Number(info.lastInsertRowid), outcome: 'new' };
    }
    if (existing.content_hash === item.contentHash || existing.feed_id !== feedId) return { id: existing.id, outcome: 'unchanged' };
    // A changed URL must not collide with another stored article; keep the old one then.
    const clash = existing.url !== item.url ? (this.byUrlStmt.get(item.url) as Found | undefined) : undefined;
    this.update.run({
      ...item,
      source: item.source ?? feedSource,
      id: existing.id,
      url: clash ? existing.url : item.url,
      publishedAt: item.publishedAt ?? existing.published_at,
      now,
    });
    return { id: existing.id, outcome: 'updated' };
  }

  get(id: number): ArticleRow | undefined {
    return prepared(this.db, 'SELECT * FROM articles WHERE id = ?').get(id) as ArticleRow | undefined;
  }

  byUrl(url: string): ArticleRow | undefined {
    return prepared(this.db, 'SELECT * FROM articles WHERE url = ?').get(url) as ArticleRow | undefined;
  }

  setPageText(id: number, text: string | null, error: string | null, now: number): void {
    prepared(this.db, 'UPDATE articles SET page_text = ?, page_error = ?, page_fetched_at = ? WHERE id = ?').run(text, error, now, id);
  }

  /** Articles stored but not processed yet (new, edited, or left by a crash), oldest first. */
  pending(limit: number, afterId = 0): number[] {
    return prepared(this.db, 'SELECT id FROM articles WHERE processed_at IS NULL AND id > ? ORDER BY id LIMIT ?').pluck().all(afterId, limit) as number[];
  }

  pendingCount(): number {
    return prepared(this.db, 'SELECT count(*) FROM articles WHERE processed_at IS NULL').pluck().get() as number;
  }

  /**
   * Is the article still as it was read: unprocessed and not edited since? Checked inside the
   * processing transaction, so a second process or an edit meanwhile is never processed twice.
   */
  stillPending(id: number, updatedAt: number): boolean {
    return prepared(this.db, 'SELECT 1 FROM articles WHERE id = ? AND processed_at IS NULL AND updated_at = ?').get(id, updatedAt) !== undefined;
  }

  markProcessed(id: number, now: number, error: string | null = null): void {
    prepared(this.db, 'UPDATE articles SET processed_at = ?, learned = 1, process_error = ? WHERE id = ?').run(now, error, id);
  }

  count(): number {
    return prepared(this.db, 'SELECT count(*) FROM articles').pluck().get() as number;
  }
}
