import type { DB } from './open.js';
import { prepared } from './statements.js';

export interface PrunableArticle {
  id: number;
  title: string;
  description: string;
  content: string;
  page_text: string | null;
  learned: number;
  /** The topics of the stories it is in (their term statistics counted it). */
  topics: string | null;
}

/** The deletes of retention: old stories, articles and digests, in small batches. */
export class RetentionRepo {
  constructor(private readonly db: DB) {}

  /**
   * Stories left without articles whose last report is older than the cut (with their "seen"
   * marks); stories merged into them stop pointing at them first.
   */
  deleteEmptyStoriesBefore(cut: number, limit: number): number {
    const ids = prepared(this.db, 'SELECT s.id FROM stories s WHERE s.last_published < ? AND NOT EXISTS (SELECT 1 FROM story_articles sa WHERE sa.story_id = s.id) LIMIT ?')
      .pluck()
      .all(cut, limit) as number[];
    if (!ids.length) return 0;
    const list = JSON.stringify(ids);
    prepared(this.db, 'UPDATE stories SET merged_into = NULL WHERE merged_into IN (SELECT value FROM json_each(?))').run(list);
    return prepared(this.db, 'DELETE FROM stories WHERE id IN (SELECT value FROM json_each(?))').run(list).changes;
  }

  /** Processed articles first seen before the cut, with what is needed to forget their terms. */
  articlesBefore(cut: number, limit: number): PrunableArticle[] {
    return prepared(this.db, `SELECT a.id, a.title, a.description, a.content, a.page_text, a.learned,
          (SELECT json_group_array(DISTINCT s.topic_id) FROM story_articles sa JOIN stories s ON s.id = sa.story_id WHERE sa.article_id = a.id) AS topics
        FROM articles a WHERE a.first_seen_at < ? AND a.processed_at IS NOT NULL ORDER BY a.first_seen_at LIMIT ?`)
      .all(cut, limit) as PrunableArticle[];
  }

  deleteArticles(ids: number[]): number {
    return prepared(this.db, 'DELETE FROM articles WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids)).changes;
  }

  /** Delivered, empty, failed or dead digests built before the cut that no "seen" mark still needs. */
  deleteDigestsBefore(cut: number, limit: number): number {
    return prepared(this.db, `DELETE FROM digests WHERE id IN (SELECT d.id FROM digests d WHERE d.created_at < ? AND d.status NOT IN ('pending', 'sending')
          AND NOT EXISTS (SELECT 1 FROM subscription_stories ss WHERE ss.digest_id = d.id) LIMIT ?)`)
      .run(cut, limit).changes;
  }

  /** Takes the counts of forgotten documents off the term statistics; drops terms counted by none. */
  forgetTerms(global: Map<string, number>, docs: number, topics: Map<string, { terms: Map<string, number>; docs: number }>): void {
    const df = prepared(this.db, 'UPDATE term_df SET df = df - ? WHERE term = ?');
    const drop = prepared(this.db, 'DELETE FROM term_df WHERE term = ? AND df <= 0');
    for (const [term, n] of global) {
      df.run(n, term);
      drop.run(term);
    }
    prepared(this.db, 'UPDATE corpus_stats SET docs = max(0, docs - ?) WHERE id = 1').run(docs);
    const tdf = prepared(this.db, 'UPDATE topic_term_df SET df = df - ? WHERE topic_id = ? AND term = ?');
    const tdrop = prepared(this.db, 'DELETE FROM topic_term_df WHERE topic_id = ? AND term = ? AND df <= 0');
    const tdocs = prepared(this.db, 'UPDATE topic_stats SET docs = max(0, docs - ?) WHERE topic_id = ?');
    for (const [topic, t] of topics) {
      for (const [term, n] of t.terms) {
        tdf.run(n, topic, term);
        tdrop.run(topic, term);
      }
      tdocs.run(t.docs, topic);
    }
  }

  /** Moves the WAL into the database file and truncates it; lets SQLite refresh its statistics. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.pragma('optimize');
  }
}
