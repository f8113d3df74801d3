import { sql } from 'kysely';
import type { Schema } from './schema.js';
import type { DB, Store } from './store.js';

/** A table to copy: its key (the order rows are read in, page by page) and columns the target makes itself. */
interface TableCopy {
  table: keyof Schema;
  key: string[];
  /** Columns the target fills in itself (PostgreSQL's insertion order of filters). */
  skip?: string[];
  /** Identity column whose sequence continues after the copied ids. */
  identity?: string;
}

/** Every table, parents before children (foreign keys hold at each step). */
const TABLES: TableCopy[] = [
  { table: 'feeds', key: ['id'], identity: 'id' },
  { table: 'articles', key: ['id'], identity: 'id' },
  { table: 'article_topics', key: ['article_id', 'topic_id'] },
  { table: 'stories', key: ['id'], identity: 'id' },
  { table: 'story_articles', key: ['story_id', 'article_id'] },
  { table: 'term_df', key: ['term'] },
  { table: 'topic_stats', key: ['topic_id'] },
  { table: 'topic_term_df', key: ['topic_id', 'term'] },
  { table: 'subscriptions', key: ['id'], identity: 'id' },
  { table: 'subscription_filters', key: ['subscription_id', 'kind', 'term'], skip: ['seq'] },
  { table: 'digests', key: ['id'], identity: 'id' },
  { table: 'digest_parts', key: ['digest_id', 'seq'] },
  { table: 'subscription_stories', key: ['subscription_id', 'story_id'] },
  { table: 'story_alerts', key: ['subscription_id', 'story_id'] },
  { table: 'delivery_workers', key: ['id'] },
  { table: 'rate_slots', key: ['name'] },
];

/** Rows read and written at once. */
const PAGE = 1000;

export class CopyError extends Error {
  readonly exitCode = 1;
}

export interface CopyReport {
  /** Rows per table, as counted on both sides after the copy. */
  tables: { table: string; source: number; target: number }[];
  durationMs: number;
}

async function count(db: DB, table: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db.k);
  return Number(r.rows[0]!.n);
}

/**
 * Copies every row of `from` (an SQLite database, usually) into `to` (an empty PostgreSQL
 * database, migrated), in one transaction of the target: a copy that fails leaves the target as
 * it was. Ids are kept, so links between rows, story ids in digests and the web's story URLs stay
 * the same; the target's id sequences continue after them. The term statistics are copied, not
 * recomputed. Tables are read page by page in key order, so memory stays flat whatever the size.
 */
export async function copyDatabase(from: Store, to: Store, onTable: (table: string, rows: number) => void = () => undefined): Promise<CopyReport> {
  const started = performance.now();
  for (const t of ['feeds', 'articles', 'subscriptions', 'stories'] as const) {
    if ((await count(to, t)) > 0) throw new CopyError(`the target ${to.name} already holds ${t}: copy into an empty database (createdb a new one)`);
  }
  await to.transaction(async (tx) => {
    for (const t of TABLES) {
      let after: unknown[] | undefined;
      let copied = 0;
      const deferred: { id: number; merged_into: number }[] = [];
      for (;;) {
        const keys = sql.join(t.key.map((k) => sql.ref(k)));
        const where = after ? sql`WHERE (${keys}) > (${sql.join(after.map((v) => sql`${v}`))})` : sql``;
        const page = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t.table)} ${where} ORDER BY ${keys} LIMIT ${PAGE}`.execute(from.k);
        const rows = page.rows.map((r) => {
          const row = { ...r };
          for (const s of t.skip ?? []) delete row[s];
          // A story may point at one copied after it: the pointer is set once every story is in.
          if (t.table === 'stories' && row.merged_into !== null && row.merged_into !== undefined) {
            deferred.push({ id: row.id as number, merged_into: row.merged_into as number });
            row.merged_into = null;
          }
          return row;
        });
        if (!rows.length) break;
        await tx.k.insertInto(t.table).values(rows as never).execute();
        copied += rows.length;
        const last = page.rows.at(-1)!;
        after = t.key.map((k) => last[k]);
        if (rows.length < PAGE) break;
      }
      for (const d of deferred) await tx.k.updateTable('stories').set({ merged_into: d.merged_into }).where('id', '=', d.id).execute();
      if (t.identity && tx.engine === 'postgres') {
        await sql`SELECT setval(pg_get_serial_sequence(${t.table}, ${t.identity}), coalesce((SELECT max(${sql.ref(t.identity)}) FROM ${sql.table(t.table)}), 0) + 1, false)`.execute(tx.k);
      }
      onTable(t.table, copied);
    }
    // The one-row table the migration created on both sides: its value, not a second row.
    const docs = await from.k.selectFrom('corpus_stats').select('docs').where('id', '=', 1).executeTakeFirst();
    await tx.k.updateTable('corpus_stats').set({ docs: docs?.docs ?? 0 }).where('id', '=', 1).execute();
  });
  const tables = [];
  for (const t of TABLES) tables.push({ table: t.table, source: await count(from, t.table), target: await count(to, t.table) });
  const differ = tables.filter((t) => t.source !== t.target);
  if (differ.length) throw new CopyError(`copy incomplete: ${differ.map((t) => `${t.table} ${t.source} → ${t.target}`).join(', ')}`);
  return { tables, durationMs: performance.now() - started };
}
