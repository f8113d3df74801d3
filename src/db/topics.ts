import type { TopicDecision } from '../topics/matcher.js';
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
      const rows = decisions.slice(i, i + CHUNK).map(({ articleId, decision: d }) => ({
        article_id: articleId,
        topic_id: d.topicId,
        relevant: d.relevant ? 1 : 0,
        score: d.score,
        hits: JSON.stringify({ hits: d.hits, misses: d.misses, threshold: d.threshold }),
        decided_at: now,
      }));
      await this.db.k
        .insertInto('article_topics')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['article_id', 'topic_id']).doUpdateSet((eb) => ({
            relevant: eb.ref('excluded.relevant'),
            score: eb.ref('excluded.score'),
            hits: eb.ref('excluded.hits'),
            decided_at: eb.ref('excluded.decided_at'),
          })),
        )
        .execute();
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
