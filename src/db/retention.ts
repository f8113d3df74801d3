import { sql } from 'kysely';
import type { DB } from './store.js';

export interface PrunableArticle {
  id: number;
  title: string;
  description: string;
  content: string;
  page_text: string | null;
  learned: number;
  /** The topics of the stories it is in (their term statistics counted it). */
  topics: string[];
}

/** The deletes of retention: old stories, articles and digests, in small batches. */
export class RetentionRepo {
  constructor(private readonly db: DB) {}

  /**
   * Stories left without articles whose last report is older than the cut (with their "seen"
   * marks); stories merged into them stop pointing at them first.
   */
  async deleteEmptyStoriesBefore(cut: number, limit: number): Promise<number> {
    const k = this.db.k;
    const rows = await k
      .selectFrom('stories as s')
      .select('s.id')
      .where('s.last_published', '<', cut)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('story_articles as sa').select('sa.story_id').whereRef('sa.story_id', '=', 's.id'))))
      .limit(limit)
      .execute();
    const ids = rows.map((r) => r.id);
    if (!ids.length) return 0;
    await k.updateTable('stories').set({ merged_into: null }).where(this.db.inList('merged_into', ids)).execute();
    const r = await k.deleteFrom('stories').where(this.db.inList('id', ids)).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Processed articles first seen before the cut, with what is needed to forget their terms. */
  async articlesBefore(cut: number, limit: number): Promise<PrunableArticle[]> {
    const rows = await this.db.k
      .selectFrom('articles')
      .select(['id', 'title', 'description', 'content', 'page_text', 'learned'])
      .where('first_seen_at', '<', cut)
      .where('processed_at', 'is not', null)
      .orderBy('first_seen_at')
      .limit(limit)
      // PostgreSQL: two workers pruning at once never both take (and forget the terms of) one article.
      .$if(this.db.engine === 'postgres', (q) => q.forUpdate().skipLocked())
      .execute();
    if (!rows.length) return [];
    const topics = new Map<number, Set<string>>();
    const links = await this.db.k
      .selectFrom('story_articles as sa')
      .innerJoin('stories as s', 's.id', 'sa.story_id')
      .select(['sa.article_id', 's.topic_id'])
      .where(this.db.inList('sa.article_id', rows.map((r) => r.id)))
      .execute();
    for (const l of links) {
      let set = topics.get(l.article_id);
      if (!set) topics.set(l.article_id, (set = new Set()));
      set.add(l.topic_id);
    }
    return rows.map((r) => ({ ...r, topics: [...(topics.get(r.id) ?? [])] }));
  }

  async deleteArticles(ids: number[]): Promise<number> {
    if (!ids.length) return 0;
    const r = await this.db.k.deleteFrom('articles').where(this.db.inList('id', ids)).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Delivered, empty, failed or dead digests built before the cut that no "seen" mark still needs. */
  async deleteDigestsBefore(cut: number, limit: number): Promise<number> {
    const r = await sql`DELETE FROM digests WHERE id IN (SELECT d.id FROM digests d WHERE d.created_at < ${cut} AND d.status NOT IN ('pending', 'sending')
          AND NOT EXISTS (SELECT 1 FROM subscription_stories ss WHERE ss.digest_id = d.id) LIMIT ${limit})`.execute(this.db.k);
    return Number(r.numAffectedRows ?? 0);
  }

  /** Takes the counts of forgotten documents off the term statistics; drops terms counted by none. */
  async forgetTerms(global: Map<string, number>, docs: number, topics: Map<string, { terms: Map<string, number>; docs: number }>): Promise<void> {
    const k = this.db.k;
    // Sorted: the same lock order as the statistics' upserts.
    for (const term of [...global.keys()].sort()) {
      await k.updateTable('term_df').set((eb) => ({ df: eb('df', '-', global.get(term)!) })).where('term', '=', term).execute();
    }
    if (global.size) await k.deleteFrom('term_df').where(this.db.inList('term', [...global.keys()])).where('df', '<=', 0).execute();
    await sql`UPDATE corpus_stats SET docs = CASE WHEN docs > ${docs} THEN docs - ${docs} ELSE 0 END WHERE id = 1`.execute(k);
    for (const [topic, t] of topics) {
      for (const term of [...t.terms.keys()].sort()) {
        await k
          .updateTable('topic_term_df')
          .set((eb) => ({ df: eb('df', '-', t.terms.get(term)!) }))
          .where('topic_id', '=', topic)
          .where('term', '=', term)
          .execute();
      }
      if (t.terms.size) await k.deleteFrom('topic_term_df').where('topic_id', '=', topic).where(this.db.inList('term', [...t.terms.keys()])).where('df', '<=', 0).execute();
      await sql`UPDATE topic_stats SET docs = CASE WHEN docs > ${t.docs} THEN docs - ${t.docs} ELSE 0 END WHERE topic_id = ${topic}`.execute(k);
    }
  }

  /** SQLite: moves the WAL into the database file and truncates it, and refreshes the planner's statistics. (PostgreSQL's autovacuum does this.) */
  async checkpoint(): Promise<void> {
    if (this.db.engine !== 'sqlite') return;
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(this.db.k);
    await sql`PRAGMA optimize`.execute(this.db.k);
  }
}
