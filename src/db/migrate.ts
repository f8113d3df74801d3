import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

export class MigrationError extends Error {
  constructor(readonly file: string, cause: Error) {
    super(`migration ${file} failed: ${cause.message}`, { cause });
    this.name = 'MigrationError';
  }
}

/**
 * Applies `NNNN_name.sql` files in order, each in its own transaction, and records them in
 * `schema_migrations`. A failing migration rolls back whole and stops the start-up.
 */
export function migrate(db: Database.Database, dir: string): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as string[]);
  const files = readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
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
