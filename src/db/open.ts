import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

export type DB = Database.Database;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Opens (creating if needed) the SQLite file with WAL, foreign keys and a busy timeout, then migrates it. */
export function openDatabase(file: string, options: { migrationsDir?: string } = {}): DB {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // Two workers (or the CLI beside the worker) may write at once: wait rather than fail.
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, options.migrationsDir ?? MIGRATIONS_DIR);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
