import { CompiledQuery } from 'kysely';
import type { DB } from './store.js';

/** SQL texts of bulk statements by shape: building one is a string join, compiling none. */
const texts = new Map<string, string>();
const TEXTS_KEPT = 256;

/**
 * A multi-row INSERT of rows given as value arrays, with an optional tail (ON CONFLICT …,
 * RETURNING …) that must not take parameters. The hot path's bulk writes (a feed's items, a
 * batch's decisions and term counts) go through here rather than the query builder: for a few
 * hundred rows Kysely's building and compiling cost more than SQLite running the statement.
 * `table`, `columns` and `tail` are this module's callers' constants, never user input.
 */
export async function bulkInsert<R = unknown>(db: DB, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], tail = ''): Promise<R[]> {
  if (!rows.length) return [];
  const key = `${db.engine}|${table}|${columns.join(',')}|${rows.length}|${tail}`;
  let text = texts.get(key);
  if (!text) {
    const width = columns.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows.length; r++) {
      const marks: string[] = [];
      for (let c = 0; c < width; c++) marks.push(db.engine === 'postgres' ? `$${r * width + c + 1}` : '?');
      tuples.push(`(${marks.join(', ')})`);
    }
    text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${tail}`;
    if (texts.size >= TEXTS_KEPT) texts.delete(texts.keys().next().value!);
    texts.set(key, text);
  }
  const params: unknown[] = [];
  for (const row of rows) for (const v of row) params.push(v);
  const result = await db.k.executeQuery<R>(CompiledQuery.raw(text, params));
  return result.rows as R[];
}
