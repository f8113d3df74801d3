/**
 * Document frequencies learned from every ingested article (not only on-topic ones: learned
 * from on-topic articles alone, the topic's own words — Patriot, missile, Ukraine — would be in
 * every document and weigh nothing, which is right, but so would much else). Kept in memory;
 * `pending` holds what the SQLite store has not saved yet.
 */
/** How many documents the prior is worth, and its flat weight (a typical IDF of a content word). */
const PRIOR_DOCS = 200;
const PRIOR_IDF = 4;

export class IdfModel {
  private readonly df = new Map<string, number>();
  readonly pending = new Map<string, number>();
  docs = 0;
  pendingDocs = 0;

  load(rows: Iterable<[string, number]>, docs: number): void {
    for (const [term, n] of rows) this.df.set(term, n);
    this.docs = docs;
  }

  observe(terms: Iterable<string>): void {
    for (const t of terms instanceof Set ? terms : new Set(terms)) {
      this.df.set(t, (this.df.get(t) ?? 0) + 1);
      this.pending.set(t, (this.pending.get(t) ?? 0) + 1);
    }
    this.docs++;
    this.pendingDocs++;
  }

  /**
   * Smoothed IDF: unseen terms get the highest weight, terms in every document about 1. While
   * few documents have been seen the estimate is noise (in 5 articles about one event, its own
   * key words are in all of them), so it is shrunk towards a flat prior weight: with no data
   * every word weighs the same, and the learned IDF takes over as documents accumulate.
   */
  idf(term: string): number {
    const learned = Math.log((this.docs + 1) / ((this.df.get(term) ?? 0) + 1)) + 1;
    const trust = this.docs / (this.docs + PRIOR_DOCS);
    return trust * learned + (1 - trust) * PRIOR_IDF;
  }

  docFreq(term: string): number {
    return this.df.get(term) ?? 0;
  }

  clearPending(): void {
    this.pending.clear();
    this.pendingDocs = 0;
  }
}
