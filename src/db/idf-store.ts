import { IdfModel } from '../stories/idf.js';
import { bulkInsert } from './bulk.js';
import type { DB } from './store.js';

/** Rows per multi-row upsert of term counts. */
const CHUNK = 500;

/**
 * Adds counts to a document-frequency table in a few multi-row upserts. Terms go in sorted
 * order, so two transactions adding overlapping terms lock them in the same order (PostgreSQL
 * would otherwise abort one as a deadlock).
 */
async function addCounts(db: DB, pending: Map<string, number>, topicId?: string): Promise<void> {
  const terms = [...pending.keys()].sort();
  for (let i = 0; i < terms.length; i += CHUNK) {
    const chunk = terms.slice(i, i + CHUNK);
    if (topicId === undefined) {
      await bulkInsert(db, 'term_df', ['term', 'df'], chunk.map((term) => [term, pending.get(term)!]), 'ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df');
    } else {
      await bulkInsert(
        db,
        'topic_term_df',
        ['topic_id', 'term', 'df'],
        chunk.map((term) => [topicId, term, pending.get(term)!]),
        'ON CONFLICT (topic_id, term) DO UPDATE SET df = topic_term_df.df + excluded.df',
      );
    }
  }
}

/** Loads the document frequencies into memory, and saves what was learned since. */
export class IdfStore {
  constructor(private readonly db: DB) {}

  async load(): Promise<IdfModel> {
    const model = new IdfModel();
    const stats = await this.db.k.selectFrom('corpus_stats').select('docs').where('id', '=', 1).executeTakeFirst();
    const rows = await this.db.k.selectFrom('term_df').select(['term', 'df']).execute();
    model.load(
      rows.map((r) => [r.term, r.df] as [string, number]),
      stats?.docs ?? 0,
    );
    return model;
  }

  /** Adds the pending counts to the stored ones (run inside the caller's transaction). */
  async flush(model: IdfModel): Promise<void> {
    if (model.pendingDocs === 0) return;
    await addCounts(this.db, model.pending);
    await this.db.k
      .updateTable('corpus_stats')
      .set((eb) => ({ docs: eb('docs', '+', model.pendingDocs) }))
      .where('id', '=', 1)
      .execute();
    model.clearPending();
  }
}

/** Document frequencies within one topic's articles, loaded and saved like the global ones. */
export class TopicDfStore {
  constructor(private readonly db: DB) {}

  async load(topicId: string): Promise<IdfModel> {
    const model = new IdfModel();
    const stats = await this.db.k.selectFrom('topic_stats').select('docs').where('topic_id', '=', topicId).executeTakeFirst();
    const rows = await this.db.k.selectFrom('topic_term_df').select(['term', 'df']).where('topic_id', '=', topicId).execute();
    model.load(
      rows.map((r) => [r.term, r.df] as [string, number]),
      stats?.docs ?? 0,
    );
    return model;
  }

  /** Adds the pending counts to the stored ones (run inside the caller's transaction). */
  async flush(topicId: string, model: IdfModel): Promise<void> {
    if (model.pendingDocs === 0) return;
    await addCounts(this.db, model.pending, topicId);
    await this.db.k
      .insertInto('topic_stats')
      .values({ topic_id: topicId, docs: model.pendingDocs })
      .onConflict((oc) => oc.column('topic_id').doUpdateSet((eb) => ({ docs: eb('topic_stats.docs', '+', eb.ref('excluded.docs')) })))
      .execute();
    model.clearPending();
  }
}
