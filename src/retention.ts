import type { Store } from './db/store.js';
import type { GrouperRole } from './db/grouper-role.js';
import { RetentionRepo, type PrunableArticle } from './db/retention.js';
import { docFeatures, docTerms } from './stories/features.js';
import { clusterDocOf } from './stories/service.js';
import { retryOnLock } from './db/lock-retry.js';

export interface PruneReport {
  articles: number;
  stories: number;
  digests: number;
  durationMs: number;
}

/** Rows deleted per transaction: the write lock is held for milliseconds, not for the whole prune. */
const BATCH = 500;

/**
 * Retention: articles first seen more than `maxAgeMs` ago are deleted with their topic decisions
 * and story links, and their terms are taken off the term statistics they were counted in (so
 * the statistics describe the articles kept, and words only old articles had disappear); then the
 * stories left empty, and the delivered digests no story mark needs. SQLite's WAL is checkpointed.
 * On PostgreSQL only the story grouper prunes (the term statistics are its own).
 */
export class Retention {
  constructor(
    private readonly store: Store,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
    private readonly role?: GrouperRole,
  ) {}

  async prune(): Promise<PruneReport> {
    const started = performance.now();
    const cut = this.clock() - this.maxAgeMs;
    const report: PruneReport = { articles: 0, stories: 0, digests: 0, durationMs: 0 };
    if (this.role && !(await this.role.acquire())) return report;
    for (;;) {
      const n = await retryOnLock(() => this.store.transaction((tx) => this.pruneArticles(new RetentionRepo(tx), cut)));
      report.articles += n;
      if (n < BATCH) break;
    }
    for (;;) {
      const n = await retryOnLock(() => this.store.transaction((tx) => new RetentionRepo(tx).deleteEmptyStoriesBefore(cut, BATCH)));
      report.stories += n;
      if (n < BATCH) break;
    }
    for (;;) {
      const n = await retryOnLock(() => this.store.transaction((tx) => new RetentionRepo(tx).deleteDigestsBefore(cut, BATCH)));
      report.digests += n;
      if (n < BATCH) break;
    }
    await retryOnLock(() => new RetentionRepo(this.store).checkpoint());
    report.durationMs = performance.now() - started;
    return report;
  }

  private async pruneArticles(repo: RetentionRepo, cut: number): Promise<number> {
    const rows = await repo.articlesBefore(cut, BATCH);
    if (!rows.length) return 0;
    const global = new Map<string, number>();
    const topics = new Map<string, { terms: Map<string, number>; docs: number }>();
    let docs = 0;
    for (const a of rows) {
      if (!a.learned) continue;
      const terms = termsOf(a);
      docs++;
      for (const t of terms) global.set(t, (global.get(t) ?? 0) + 1);
      for (const topic of a.topics) {
        let s = topics.get(topic);
        if (!s) topics.set(topic, (s = { terms: new Map(), docs: 0 }));
        s.docs++;
        for (const t of terms) s.terms.set(t, (s.terms.get(t) ?? 0) + 1);
      }
    }
    await repo.forgetTerms(global, docs, topics);
    await repo.deleteArticles(rows.map((a) => a.id));
    return rows.length;
  }
}

/** The terms the article was counted with when it was processed (the same features). */
function termsOf(a: PrunableArticle): Set<string> {
  return docTerms(docFeatures(clusterDocOf({ id: a.id, title: a.title, description: a.description, body: a.page_text ?? a.content })));
}
