import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

export class MigrationError extends Error {
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(`migration ${file} failed: ${cause.message}`, { cause });
    this.name = 'MigrationError';
  }
}

/** `NNNN_name.sql` files of a folder, in order. */
function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`;

/**
 * Applies the SQLite migrations (migrations/sqlite) in order, each in its own transaction, and
 * records them in `schema_migrations`. A failing migration rolls back whole and stops the start.
 */
export function migrateSqlite(db: BetterSqlite3.Database, dir: string): string[] {
  db.exec(CREATE_TABLE);
  const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as string[]);
  const applied: string[] = [];
  for (const file of migrationFiles(dir)) {
    if (done.has(file)) continue;
    const sql = readFileSync(path.join(dir, file), 'utf8');
    const apply = db.transaction(() => {
      // Checked again under the write lock: another process may have applied it meanwhile.
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(file)) return;
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(file, new Date().toISOString());
    });
    try {
      // IMMEDIATE: two processes starting together serialise here instead of both migrating.
      apply.immediate();
    } catch (err) {
      throw new MigrationError(file, err as Error);
    }
    applied.push(file);
  }
  return applied;
}

/** Any fixed number: the advisory lock that serialises workers migrating one database at once. */
const MIGRATION_LOCK = 4_171_029_001;

/** The PostgreSQL migrations (migrations/postgres), the same way: in order, each in a transaction, recorded. */
export async function migratePostgres(client: pg.PoolClient | pg.Client, dir: string): Promise<string[]> {
  const applied: string[] = [];
  // Workers starting together wait for each other here; the one that comes second finds the work done.
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(CREATE_TABLE);
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of migrationFiles(dir)) {
      if (done.has(file)) continue;
      const sql = readFileSync(path.join(dir, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [file, new Date().toISOString()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(file, err as Error);
      }
      applied.push(file);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
  return applied;
}
