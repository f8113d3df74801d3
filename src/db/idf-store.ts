import type { DB } from './open.js';
import { IdfModel } from '../stories/idf.js';
import { prepared } from './statements.js';

/** Loads the document frequencies into memory, and saves what was learned since. */
export class IdfStore {
  constructor(private readonly db: DB) {}

  load(): IdfModel {
    const model = new IdfModel();
    const docs = prepared(this.db, 'SELECT docs FROM corpus_stats WHERE id = 1').pluck().get() as number;
    model.load(prepared(this.db, 'SELECT term, df FROM term_df').raw().iterate() as Iterable<[string, number]>, docs);
    return model;
  }

  /** Adds the pending counts to the stored ones (run inside the caller's transaction). */
  flush(model: IdfModel): void {
    if (model.pendingDocs === 0) return;
    const add = prepared(this.db, 'INSERT INTO term_df (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df');
    for (const [term, n] of model.pending) add.run(term, n);
    prepared(this.db, 'UPDATE corpus_stats SET docs = docs + ? WHERE id = 1').run(model.pendingDocs);
    model.clearPending();
  }
}

/** Document frequencies within one topic's articles, loaded and saved like the global ones. */
export class TopicDfStore {
  constructor(private readonly db: DB) {}

  load(topicId: string): IdfModel {
    const model = new IdfModel();
    const docs = (prepared(this.db, 'SELECT docs FROM topic_stats WHERE topic_id = ?').pluck().get(topicId) as number | undefined) ?? 0;
    model.load(prepared(this.db, 'SELECT term, df FROM topic_term_df WHERE topic_id = ?').raw().iterate(topicId) as Iterable<[string, number]>, docs);
    return model;
  }

  /** Adds the pending counts to the stored ones (run inside the caller's transaction). */
  flush(topicId: string, model: IdfModel): void {
    if (model.pendingDocs === 0) return;
    const add = prepared(this.db, 'INSERT INTO topic_term_df (topic_id, term, df) VALUES (?, ?, ?) ON CONFLICT(topic_id, term) DO UPDATE SET df = df + excluded.df');
    for (const [term, n] of model.pending) add.run(topicId, term, n);
    prepared(this.db, 'INSERT INTO topic_stats (topic_id, docs) VALUES (?, ?) ON CONFLICT(topic_id) DO UPDATE SET docs = docs + excluded.docs')
      .run(topicId, model.pendingDocs);
    model.clearPending();
  }
}
