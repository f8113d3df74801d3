import type { TopicDecision } from '../topics/matcher.js';
import { bulkInsert } from './bulk.js';
import type { DB } from './store.js';

export interface StoredDecision {
  topicId: string;
  relevant: boolean;
  score: number;
  hits: Pick<TopicDecision, 'hits' | 'misses' | 'threshold'>;
  decidedAt: number;
}

/** Rows per multi-row upsert. */
const CHUNK = 300;

/** article_topics: one decision per (article, topic), with the rule hits that made it. */
export class TopicDecisionRepo {
  constructor(private readonly db: DB) {}

  /** Stores the decisions of many articles in a few statements (an article's earlier decision is replaced). */
  async saveMany(decisions: readonly { articleId: number; decision: TopicDecision }[], now: number): Promise<void> {
    for (let i = 0; i < decisions.length; i += CHUNK) {
      const rows = decisions
        .slice(i, i + CHUNK)
        .map(({ articleId, decision: d }) => [articleId, d.topicId, d.relevant ? 1 : 0, d.score, JSON.stringify({ hits: d.hits, misses: d.misses, threshold: d.threshold }), now]);
      await bulkInsert(
        this.db,
        'article_topics',
        ['article_id', 'topic_id', 'relevant', 'score', 'hits', 'decided_at'],
        rows,
        'ON CONFLICT (article_id, topic_id) DO UPDATE SET relevant = excluded.relevant, score = excluded.score, hits = excluded.hits, decided_at = excluded.decided_at',
      );
    }
  }

  save(articleId: number, d: TopicDecision, now: number): Promise<void> {
    return this.saveMany([{ articleId, decision: d }], now);
  }

  async forArticle(articleId: number): Promise<StoredDecision[]> {
    const rows = await this.db.k.selectFrom('article_topics').selectAll().where('article_id', '=', articleId).orderBy('topic_id').execute();
    return rows.map((r) => ({ topicId: r.topic_id, relevant: r.relevant === 1, score: r.score, hits: JSON.parse(r.hits), decidedAt: r.decided_at }));
  }
}
