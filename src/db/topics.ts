import type { DB } from './open.js';
import type { TopicDecision } from '../topics/matcher.js';
import { prepared } from './statements.js';

export interface StoredDecision {
  topicId: string;
  relevant: boolean;
  score: number;
  hits: Pick<TopicDecision, 'hits' | 'misses' | 'threshold'>;
  decidedAt: number;
}

/** article_topics: one decision per (article, topic), with the rule hits that made it. */
export class TopicDecisionRepo {
  private readonly upsert;
  constructor(private readonly db: DB) {
    this.upsert = db.prepare(`INSERT INTO article_topics (article_id, topic_id, relevant, score, hits, decided_at)
      VALUES (@articleId, @topicId, @relevant, @score, @hits, @now)
      ON CONFLICT(article_id, topic_id) DO UPDATE SET relevant = excluded.relevant, score = excluded.score, hits = excluded.hits, decided_at = excluded.decided_at`);
  }

  save(articleId: number, d: TopicDecision, now: number): void {
    this.upsert.run({ articleId, topicId: d.topicId, relevant: d.relevant ? 1 : 0, score: d.score, hits: JSON.stringify({ hits: d.hits, misses: d.misses, threshold: d.threshold }), now });
  }

  forArticle(articleId: number): StoredDecision[] {
    return (prepared(this.db, 'SELECT * FROM article_topics WHERE article_id = ? ORDER BY topic_id').all(articleId) as { topic_id: string; relevant: number; score: number; hits: string; decided_at: number }[]).map((r) => ({
      topicId: r.topic_id,
      relevant: r.relevant === 1,
      score: r.score,
      hits: JSON.parse(r.hits),
      decidedAt: r.decided_at,
    }));
  }
}
